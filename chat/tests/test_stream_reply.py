import asyncio
import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Message
from chat.stream import DELTA_INTERVAL, POLL_INTERVAL
from chat.tests.factories import ConversationFactory, MessageFactory
from helpdesk.asgi import application
from helpdesk.tests.asgi import http_scope
from knowledge.markdown import render_markdown

# Longer than DELTA_INTERVAL, so that every word goes out in an event of its
# own.
WORD_BY_WORD_DELAY = DELTA_INTERVAL + 0.02

pytestmark = pytest.mark.django_db(transaction=True)


def make_exchange(session_key, question):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation, text=question)
    return MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="",
        status=Message.Status.PENDING,
    )


def parse_events(body):
    """Return (event, data) pairs from a text/event-stream body."""
    events = []
    for block in body.strip().split("\n\n"):
        name = ""
        data = []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data.append(line.removeprefix("data: "))
        events.append((name, "\n".join(data)))
    return events


async def call_stream(reply, session_key, *, disconnect_after=None):
    """Request the reply's stream through the ASGI application.

    With ``disconnect_after``, the client goes away once that many events
    have arrived, as a closed browser tab does.
    """
    path = reverse("chat:stream", args=[reply.public_id])
    scope = http_scope(path, [(b"cookie", f"sessionid={session_key}".encode())])
    disconnected = asyncio.Event()
    started = {"request": False}
    received = {"status": None, "headers": {}, "body": b""}

    async def receive():
        if not started["request"]:
            started["request"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(event):
        if event["type"] == "http.response.start":
            received["status"] = event["status"]
            received["headers"] = {
                name.lower(): value for name, value in event["headers"]
            }
        elif event["type"] == "http.response.body":
            received["body"] += event.get("body", b"")
            count = received["body"].count(b"\n\n")
            if disconnect_after is not None and count >= disconnect_after:
                disconnected.set()

    await asyncio.wait_for(application(scope, receive, send), timeout=20)
    received["events"] = parse_events(received["body"].decode())
    return received


async def test_events_arrive_in_order(settings, session_key, vpn_article):
    settings.HELPDESK_OFFLINE_WORD_DELAY = WORD_BY_WORD_DELAY
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key)

    names = [name for name, _data in result["events"]]
    assert result["status"] == 200
    assert names[-1] == "done"
    assert set(names[:-1]) == {"delta"}
    assert len(names) > 5


async def test_fast_text_is_sent_in_few_events(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key)

    await reply.arefresh_from_db()
    deltas = [data for name, data in result["events"] if name == "delta"]
    assert len(deltas) <= 2
    assert html.unescape("".join(deltas)) == reply.text


async def test_stream_is_not_buffered_or_cached(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key)

    assert result["headers"][b"content-type"] == b"text/event-stream"
    assert result["headers"][b"cache-control"] == b"no-cache"
    assert result["headers"][b"x-accel-buffering"] == b"no"
    assert b"content-encoding" not in result["headers"]


async def test_final_message_is_saved(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key)

    await reply.arefresh_from_db()
    deltas = "".join(data for name, data in result["events"] if name == "delta")
    assert reply.status == Message.Status.COMPLETE
    assert "Restart the VPN client" in reply.text
    assert "Restart the VPN client" in deltas
    assert reply.confidence >= 0.6
    assert reply.handoff == ""
    assert [a.pk async for a in reply.cited_articles.all()] == [vpn_article.pk]


async def test_done_event_carries_sources_and_confidence(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key)

    name, final = result["events"][-1]
    assert vpn_article.get_absolute_url() in final
    assert "confidence-value" in final
    assert "Based on" in final


async def test_multiline_data_is_one_field_per_line(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key)

    for block in result["body"].decode().rstrip("\n").split("\n\n"):
        for line in block.split("\n"):
            assert line.startswith(("event: ", "data: ")), line


async def test_delta_text_is_escaped(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")
    vpn_article.solution = "Type <b>bold</b> and restart the VPN client."
    await vpn_article.asave()

    result = await call_stream(reply, session_key)

    deltas = "".join(data for name, data in result["events"] if name == "delta")
    assert "<b>" not in deltas
    assert "&lt;b&gt;" in deltas


async def test_reconnect_replays_instead_of_generating(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")
    await call_stream(reply, session_key)
    vpn_article.solution = "Completely different steps."
    await vpn_article.asave()

    again = await call_stream(reply, session_key)

    deltas = "".join(data for name, data in again["events"] if name == "delta")
    assert again["events"][-1][0] == "done"
    assert "Restart the VPN client" in deltas
    assert "Completely different steps" not in again["body"].decode()


async def test_client_that_leaves_keeps_partial_text(
    settings, session_key, vpn_article
):
    settings.HELPDESK_OFFLINE_WORD_DELAY = WORD_BY_WORD_DELAY
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, session_key, disconnect_after=4)

    await reply.arefresh_from_db()
    deltas = "".join(data for name, data in result["events"] if name == "delta")
    assert reply.status == Message.Status.INTERRUPTED
    assert reply.text
    assert reply.text.startswith(html.unescape(deltas))
    assert reply.text_html == render_markdown(reply.text)
    assert "done" not in [name for name, _data in result["events"]]


async def test_interrupted_reply_replays_partial_text(
    settings, session_key, vpn_article
):
    settings.HELPDESK_OFFLINE_WORD_DELAY = WORD_BY_WORD_DELAY
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")
    await call_stream(reply, session_key, disconnect_after=4)

    again = await call_stream(reply, session_key)

    name, final = again["events"][-1]
    assert name == "done"
    assert "interrupted" in final
    assert "/tickets/new/?conversation=" in final
    assert 'name="text" value="VPN does not connect"' in final


async def test_other_visitor_cannot_read_stream(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    result = await call_stream(reply, "someoneelsessessionkey00000000000")

    await reply.arefresh_from_db()
    assert result["status"] == 404
    assert reply.status == Message.Status.PENDING


async def test_employee_message_has_no_stream(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")
    question = await reply.conversation.messages.filter(role="employee").aget()

    result = await call_stream(question, session_key)

    assert result["status"] == 404


async def test_client_that_leaves_at_once_leaves_no_stuck_reply(
    session_key, vpn_article
):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")

    await call_stream(reply, session_key, disconnect_after=0)

    await reply.arefresh_from_db()
    assert reply.status != Message.Status.STREAMING


async def test_follower_generates_reply_handed_back(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")
    # Another connection has claimed the reply and not written a word yet.
    await Message.objects.filter(pk=reply.pk).aupdate(status=Message.Status.STREAMING)
    follower = asyncio.create_task(call_stream(reply, session_key))
    # That connection leaves before its first word and hands the reply back,
    # after the follower has found it streaming.
    await asyncio.sleep(POLL_INTERVAL * 2)
    await Message.objects.filter(pk=reply.pk).aupdate(status=Message.Status.PENDING)

    result = await follower

    await reply.arefresh_from_db()
    assert result["status"] == 200
    assert result["events"][-1][0] == "done"
    assert reply.status == Message.Status.COMPLETE
    assert "Restart the VPN client" in reply.text


async def make_abandoned(session_key, text):
    """Return a reply left streaming with ``text`` by a worker that died."""
    reply = await asyncio.to_thread(make_exchange, session_key, "VPN does not connect")
    long_ago = timezone.now() - timedelta(hours=1)
    await Message.objects.filter(pk=reply.pk).aupdate(
        status=Message.Status.STREAMING, text=text, updated_at=long_ago
    )
    return reply


async def test_abandoned_reply_with_text_ends_interrupted(session_key, vpn_article):
    reply = await make_abandoned(session_key, "Open the **VPN** client and")

    result = await call_stream(reply, session_key)

    await reply.arefresh_from_db()
    name, final = result["events"][-1]
    assert name == "done"
    assert "interrupted" in final
    assert reply.status == Message.Status.INTERRUPTED
    assert reply.text == "Open the **VPN** client and"
    assert reply.text_html == render_markdown(reply.text)


async def test_abandoned_empty_reply_is_generated(session_key, vpn_article):
    reply = await make_abandoned(session_key, "")

    result = await call_stream(reply, session_key)

    await reply.arefresh_from_db()
    assert result["events"][-1][0] == "done"
    assert reply.status == Message.Status.COMPLETE
    assert "Restart the VPN client" in reply.text
