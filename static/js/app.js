// Behaviour that htmx attributes cannot express. Loaded with a CSP nonce;
// no inline scripts or handlers anywhere else.
(function () {
  "use strict";

  if (window.htmx) {
    // Swap 422 and 429 responses too: they carry the form with its error
    // messages, such as invalid input or too many requests.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "429", swap: true },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  function scrollChatToEnd() {
    var log = document.getElementById("chat-log");
    if (log) {
      log.scrollTop = log.scrollHeight;
    }
  }

  document.addEventListener("htmx:afterSwap", scrollChatToEnd);
  document.addEventListener("htmx:sseMessage", scrollChatToEnd);
  document.addEventListener("DOMContentLoaded", scrollChatToEnd);

  // Enter sends the message, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) {
      return;
    }
    if (target && target.id === "id_text" && target.form && target.form.id === "message-form") {
      event.preventDefault();
      target.form.requestSubmit();
    }
  });

  // After a message is sent the form is replaced; keep the cursor in it.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var field = document.getElementById("id_text");
    if (field && event.detail.target && event.detail.target.id === "message-form") {
      field.focus();
    }
  });

  // The page has one ticket form at a time, so that its field ids stay unique.
  // A form loaded into one ticket offer empties the others.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var slot = event.detail.target;
    if (!event.detail.shouldSwap || !slot || !slot.classList.contains("ticket-form-slot")) {
      return;
    }
    document.querySelectorAll(".ticket-form-slot").forEach(function (other) {
      if (other !== slot) {
        other.replaceChildren();
      }
    });
  });

  // A request that htmx does not swap in (403, other 4xx and 5xx) or that
  // never reaches the server leaves the form as it was. The notice above the
  // page gives the reason.
  function showRequestError(kind) {
    var notice = document.getElementById("request-error");
    if (!notice) {
      return;
    }
    notice.textContent = notice.dataset[kind] || "";
    notice.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showRequestError(status === 403 ? "sessionExpired" : "failed");
  });
  document.addEventListener("htmx:sendError", function () {
    showRequestError("unreachable");
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var notice = document.getElementById("request-error");
    if (notice) {
      notice.hidden = true;
    }
  });

  // The stream failed to connect several times: show a reload hint instead of
  // retrying forever.
  document.addEventListener("htmx:sseError", function (event) {
    var bubble = event.target.closest ? event.target.closest(".bubble-streaming") : null;
    if (!bubble) {
      return;
    }
    var failures = Number(bubble.dataset.failures || 0) + 1;
    bubble.dataset.failures = String(failures);
    if (failures >= 5) {
      var status = bubble.querySelector(".bubble-status");
      if (status) {
        status.textContent = bubble.dataset.reloadHint || "Connection lost. Reload the page.";
      }
    }
  });
})();
