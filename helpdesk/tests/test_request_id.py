"""Request ids on responses and on the log lines written while serving them."""

import asyncio
import io
import logging
import re

import pytest
from django.test import AsyncClient
from django.urls import reverse

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from helpdesk.asgi import application
from helpdesk.tests.asgi import http_scope

GENERATED_ID_REGEX = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_output():
    """Return the text that the console handler of LOGGING writes, as a StringIO."""
    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    output = io.StringIO()
    original = handler.setStream(output)
    yield output
    handler.setStream(original)


def line_with(output, text):
    [line] = [line for line in output.getvalue().splitlines() if text in line]
    return line


async def get_through_asgi(path, session_key, request_id):
    """Send a GET through the ASGI application and return the response headers."""
    scope = http_scope(
        path,
        [
            (b"cookie", f"sessionid={session_key}".encode()),
            (b"x-request-id", request_id.encode()),
        ],
    )
    headers = {}
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # The client stays connected until the response ends.
        await asyncio.Event().wait()

    async def send(event):
        if event["type"] == "http.response.start":
            headers.update((name.lower(), value) for name, value in event["headers"])

    await asyncio.wait_for(application(scope, receive, send), timeout=20)
    return headers


@pytest.mark.django_db
def test_supplied_id_is_kept(client):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="req-42.a:b_c")

    assert response["X-Request-ID"] == "req-42.a:b_c"


@pytest.mark.django_db
def test_missing_id_is_generated(client):
    response = client.get(reverse("healthz"))

    assert GENERATED_ID_REGEX.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad_id",
    ["", "two words", "x" * 129, "id\tforged", "id]x", "ид", "<script>"],
)
def test_bad_id_is_replaced(client, bad_id):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID=bad_id)

    assert response["X-Request-ID"] != bad_id
    assert GENERATED_ID_REGEX.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_log_line_in_view_carries_id(visitor, log_output):
    response = visitor.post(
        reverse("chat:post_message"),
        {"text": "VPN does not connect"},
        HTTP_HX_REQUEST="true",
        HTTP_X_REQUEST_ID="post-1",
    )

    line = line_with(log_output, "posted")
    assert response["X-Request-ID"] == "post-1"
    assert "[post-1]" in line


@pytest.mark.django_db
def test_log_line_carries_generated_id(visitor, log_output):
    response = visitor.post(
        reverse("chat:post_message"),
        {"text": "VPN does not connect"},
        HTTP_HX_REQUEST="true",
        HTTP_X_REQUEST_ID="not valid",
    )

    line = line_with(log_output, "posted")
    assert f"[{response['X-Request-ID']}]" in line
    assert "not valid" not in log_output.getvalue()


@pytest.mark.django_db
def test_id_is_cleared_after_request(client, log_output):
    client.get(reverse("healthz"), HTTP_X_REQUEST_ID="done-1")

    logging.getLogger("helpdesk").warning("After the request")

    assert "[-] After the request" in line_with(log_output, "After the request")


@pytest.mark.django_db(transaction=True)
async def test_sync_view_under_asgi_carries_id(session_key, log_output):
    client = AsyncClient()
    client.cookies["sessionid"] = session_key

    response = await client.post(
        reverse("chat:post_message"),
        {"text": "VPN does not connect"},
        headers={"HX-Request": "true", "X-Request-ID": "async-1"},
    )

    assert response["X-Request-ID"] == "async-1"
    assert "[async-1]" in line_with(log_output, "posted")


@pytest.mark.django_db(transaction=True)
async def test_stream_log_lines_carry_id(session_key, log_output):
    def make_exchange():
        conversation = ConversationFactory(session_key=session_key)
        MessageFactory(conversation=conversation, text="Quantum flux capacitor")
        return MessageFactory(
            conversation=conversation,
            role=Message.Role.ASSISTANT,
            text="",
            status=Message.Status.PENDING,
        )

    reply = await asyncio.to_thread(make_exchange)
    path = reverse("chat:stream", args=[reply.public_id])

    headers = await get_through_asgi(path, session_key, "stream-1")

    # The first line comes from the event generator, after the view returned.
    # The second comes from a sync_to_async thread that saves the reply.
    streaming = line_with(log_output, f"Reply {reply.pk} streaming")
    gap = line_with(log_output, "Knowledge gap")
    assert headers[b"x-request-id"] == b"stream-1"
    assert "[stream-1]" in streaming
    assert "[stream-1]" in gap
