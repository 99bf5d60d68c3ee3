// Behaviour that htmx attributes cannot express. Loaded with a CSP nonce;
// no inline scripts or handlers anywhere else.
(function () {
  "use strict";

  if (window.htmx) {
    // Swap 409, 422 and 429 responses too: they carry the form with its
    // error messages, such as a ticket form sent twice, invalid input or too
    // many requests.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true },
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

  // The response to a message replaces the whole message form, and the
  // employee may go on typing while the request is in flight. The new form
  // gets the text of the old one as it is when the response arrives, less the
  // sent text if the server stored it (status 200). A rejected message (422,
  // 429) keeps all of it. The cursor stays at the same place in the text, and
  // a category chosen during the request is kept too.
  var sent = null; // {text, category, stored} of the request in flight
  var carried = null; // {text, start, end, category, focused} for the new form

  function isMessageForm(element) {
    return Boolean(element) && element.id === "message-form";
  }

  // Return what the form contains beyond the sent message: the text without the
  // stored text at its start and the white space after it, the selection
  // moved with the text, and the category if it changed since the send.
  function unsentDraft(form) {
    var field = form.elements.namedItem("text");
    var category = form.elements.namedItem("category");
    var value = field.value;
    var cut = 0;
    if (sent && sent.stored && sent.text && value.indexOf(sent.text) === 0) {
      cut = sent.text.length;
      while (cut < value.length && /\s/.test(value.charAt(cut))) {
        cut += 1;
      }
    }
    var changedCategory = sent && category && category.value !== sent.category;
    return {
      text: value.slice(cut),
      start: Math.max(field.selectionStart - cut, 0),
      end: Math.max(field.selectionEnd - cut, 0),
      category: changedCategory ? category.value : null,
      // The employee may have moved on to the ticket form meanwhile.
      focused: document.activeElement === field,
    };
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target;
    if (isMessageForm(form)) {
      // htmx has read the form's values by now, so these are the sent ones.
      var category = form.elements.namedItem("category");
      sent = {
        text: form.elements.namedItem("text").value,
        category: category ? category.value : null,
        stored: false,
      };
    }
  });
  // htmx fires this event on the target, the chat log, so the form that sent
  // the request is found through the request's configuration.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    if (sent && config && isMessageForm(config.elt)) {
      sent.stored = event.detail.xhr.status === 200;
    }
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (isMessageForm(event.detail.target)) {
      carried = unsentDraft(event.detail.target);
      sent = null;
    }
  });
  // htmx:afterSwap comes after htmx has moved the focus and the selection of
  // a replaced field to the new one at their old offsets, which are wrong once
  // the sent text is gone.
  document.addEventListener("htmx:afterSwap", function () {
    var form = document.getElementById("message-form");
    if (!carried || !form) {
      return;
    }
    var field = form.elements.namedItem("text");
    field.value = carried.text;
    updateLengthCount(field);
    if (carried.focused) {
      field.focus();
      field.setSelectionRange(carried.start, carried.end);
    }
    if (carried.category !== null) {
      form.elements.namedItem("category").value = carried.category;
    }
    carried = null;
  });

  // Return whether the employee changed the field from what the server sent.
  function isFieldEdited(field) {
    if (field.tagName === "SELECT") {
      var initial = Array.prototype.findIndex.call(field.options, function (option) {
        return option.defaultSelected;
      });
      return field.selectedIndex !== Math.max(initial, 0);
    }
    if (field.tagName === "TEXTAREA" || field.tagName === "INPUT") {
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      return field.type !== "hidden" && field.value !== field.defaultValue;
    }
    return false;
  }

  // Return whether the employee changed a field of the form from what the
  // server sent, or the server sent back a form the employee had filled in
  // (data-edited), as after a rejected submit.
  function isEdited(form) {
    return form.hasAttribute("data-edited") || Array.prototype.some.call(form.elements, isFieldEdited);
  }

  // The page has one ticket form at a time, so that its field ids stay unique.
  // A form loaded into one ticket offer empties the others, unless the
  // employee has typed into the form there. Then that form stays where it is
  // when a new reply loads its offer, and moves to the offer whose "Create a
  // ticket" link was clicked, so nothing typed is lost.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var slot = event.detail.target;
    if (!event.detail.shouldSwap || !slot || !slot.classList.contains("ticket-form-slot")) {
      return;
    }
    var edited = null;
    document.querySelectorAll(".ticket-form-slot").forEach(function (other) {
      var form = other.querySelector("form");
      if (other !== slot && form && isEdited(form)) {
        edited = other;
      }
    });
    if (edited) {
      event.detail.shouldSwap = false;
      var loadedByReply = event.detail.requestConfig && event.detail.requestConfig.elt === slot;
      if (loadedByReply) {
        return;
      }
      slot.replaceChildren.apply(slot, Array.prototype.slice.call(edited.childNodes));
    }
    document.querySelectorAll(".ticket-form-slot").forEach(function (other) {
      if (other !== slot) {
        other.replaceChildren();
      }
    });
  });

  // Only the newest offer names the ticket already created from the
  // conversation, as on a page load.
  document.addEventListener("htmx:afterSwap", function () {
    var notices = document.querySelectorAll(".ticket-created");
    for (var index = 0; index < notices.length - 1; index += 1) {
      notices[index].remove();
    }
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
    var kinds = { 403: "sessionChanged", 413: "tooLarge" };
    showRequestError(kinds[status] || "failed");
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

  // htmx leaves the submit button of a request that ended in a redirect
  // disabled, and the form marked as in flight, so that nothing is sent
  // twice while the next page loads. The back-forward cache shows the page
  // again in that state, where the employee could not send the form even
  // after changing it. Such a form is replaced with a copy, which keeps the
  // typed values, and htmx sets up the copy as a new form. The server
  // recognizes a ticket form that is sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted || !window.htmx) {
      return;
    }
    document.querySelectorAll("form.htmx-request").forEach(function (form) {
      var copy = form.cloneNode(true);
      copy.classList.remove("htmx-request");
      copy.querySelectorAll("[data-disabled-by-htmx]").forEach(function (element) {
        element.disabled = false;
        element.removeAttribute("data-disabled-by-htmx");
      });
      form.replaceWith(copy);
      htmx.process(copy);
    });
  });

  // A field with data-max-length (ServerMaxLengthMixin in helpdesk/forms.py)
  // has no maxlength, so the browser cuts nothing and the server rejects
  // over-long text with the text kept. Below such a field a count
  // "count / limit" appears from this share of the limit on. Once the text
  // is over the limit, the count names how many characters to remove.
  var COUNT_FROM_SHARE = 0.9;

  // Return the length that the server checks: Python counts code points, not
  // UTF-16 code units, after stripping white space at either end.
  function serverLength(value) {
    var text = value.replace(/\r\n?/g, "\n").trim();
    var pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g);
    return text.length - (pairs ? pairs.length : 0);
  }

  // Fill the {name} placeholders of a translated text with numbers written
  // for the page's language.
  function formatNumbers(text, numbers) {
    var locale = document.documentElement.lang || undefined;
    return text.replace(/\{(\w+)\}/g, function (placeholder, name) {
      return name in numbers ? numbers[name].toLocaleString(locale) : placeholder;
    });
  }

  function updateLengthCount(field) {
    var limit = Number(field.dataset.maxLength);
    if (!limit || !field.id) {
      return;
    }
    var count = serverLength(field.value);
    var countId = field.id + "_count";
    var counter = document.getElementById(countId);

    if (count < limit * COUNT_FROM_SHARE) {
      if (counter) {
        counter.hidden = true;
      }
      return;
    }
    if (!counter) {
      counter = document.createElement("p");
      counter.id = countId;
      counter.className = "field-count";
      field.insertAdjacentElement("afterend", counter);
      var describedBy = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", describedBy ? describedBy + " " + countId : countId);
    }

    var over = count > limit;
    var texts = document.body.dataset;
    counter.textContent = formatNumbers(over ? texts.lengthOver : texts.lengthNear, {
      count: count,
      limit: limit,
      excess: count - limit,
    });
    counter.classList.toggle("field-count-over", over);
    counter.hidden = false;
  }

  function updateLengthCounts(root) {
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-max-length]").forEach(updateLengthCount);
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.maxLength) {
      updateLengthCount(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    updateLengthCounts(document);
  });
  document.addEventListener("htmx:load", function (event) {
    updateLengthCounts(event.target);
  });

  // The language switcher reloads the page, which would drop what the
  // employee typed. Before it sends, the edited fields of the page's forms go
  // to sessionStorage. The next page puts them back into the forms with the
  // same id and action, also into one that htmx loads later, such as the
  // chat's ticket form. The next page load reads them once, whatever its
  // address, because the switch after a rejected reply leads from the
  // reply's address to the ticket's page.
  var DRAFTS_KEY = "helpdesk-drafts";
  var TYPED_INPUT_TYPES = ["text", "email", "search", "tel", "url", "number"];
  var pendingDrafts = null; // {form key: {field name: value}} not yet put back

  function formKey(form) {
    return (form.id || "") + " " + (form.getAttribute("action") || "");
  }

  function isTypedField(field) {
    if (!field.name || field.disabled) {
      return false;
    }
    if (field.tagName === "TEXTAREA" || field.tagName === "SELECT") {
      return true;
    }
    return field.tagName === "INPUT" && TYPED_INPUT_TYPES.indexOf(field.type) !== -1;
  }

  function saveDrafts() {
    var drafts = {};
    var count = 0;
    document.querySelectorAll(".site-main form").forEach(function (form) {
      var sentBack = form.hasAttribute("data-edited");
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!isTypedField(field) || !(isFieldEdited(field) || (sentBack && field.value))) {
          return;
        }
        var key = formKey(form);
        drafts[key] = drafts[key] || {};
        drafts[key][field.name] = field.value;
        count += 1;
      });
    });
    try {
      if (count) {
        sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(drafts));
      } else {
        sessionStorage.removeItem(DRAFTS_KEY);
      }
    } catch (error) {
      // Storage is full or turned off: the switch goes on without the drafts.
    }
  }

  function takeDrafts() {
    try {
      var stored = sessionStorage.getItem(DRAFTS_KEY);
      sessionStorage.removeItem(DRAFTS_KEY);
      return stored ? JSON.parse(stored) : null;
    } catch (error) {
      return null;
    }
  }

  function restoreDrafts(root) {
    if (!pendingDrafts || !root.querySelectorAll) {
      return;
    }
    var forms = root.tagName === "FORM" ? [root] : root.querySelectorAll("form");
    Array.prototype.forEach.call(forms, function (form) {
      var key = formKey(form);
      var values = pendingDrafts[key];
      if (!values) {
        return;
      }
      delete pendingDrafts[key];
      Object.keys(values).forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (!field || !isTypedField(field)) {
          return;
        }
        var hasOption =
          field.tagName !== "SELECT" ||
          Array.prototype.some.call(field.options, function (option) {
            return option.value === values[name];
          });
        if (hasOption) {
          field.value = values[name];
          updateLengthCount(field);
        }
      });
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("language-switcher")) {
      saveDrafts();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    pendingDrafts = takeDrafts();
    restoreDrafts(document);
  });
  document.addEventListener("htmx:load", function (event) {
    restoreDrafts(event.target);
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
