"""The reply stream reports a reply that makes no progress for a while."""

import asyncio
import contextvars
import gc
import html
import weakref
from datetime import timedelta

import pytest
from django.utils import timezone

from chat import assistant
from chat.assistant import WAITING, mark_waits
from chat.models import Message
from chat.stream import POLL_INTERVAL, stale_after
from chat.tests.test_stream_reply import call_stream, make_exchange

NOTICE = "This takes longer than usual. The assistant is still working on it…"
ANSWERING = "The assistant is answering…"


@pytest.fixture
def short_waiting_interval(monkeypatch):
    monkeypatch.setattr(assistant, "WAITING_INTERVAL", 0.1)


def event_names(result):
    return [name for name, _data in result["events"]]


@pytest.mark.django_db(transaction=True)
async def test_slow_model_sends_status_events(
    claude_settings, short_waiting_interval, session_key, vpn_article
):
    question = "VPN does not connect [scenario:ok first_token_delay=0.35]"
    reply = await asyncio.to_thread(make_exchange, session_key, question)

    result = await call_stream(reply, session_key)

    await reply.arefresh_from_db()
    names = event_names(result)
    first_delta = names.index("delta")
    statuses = [
        html.unescape(data) for name, data in result["events"] if name == "status"
    ]
    assert names[0] == "status"
    assert names[:first_delta].count("status") >= 2
    # The usual line comes back just before the first text.
    assert names[first_delta - 1] == "status"
    assert names[-1] == "done"
    assert statuses[0] == NOTICE
    assert statuses[-1] == ANSWERING
    assert reply.status == Message.Status.COMPLETE
    assert NOTICE not in reply.text


@pytest.mark.django_db(transaction=True)
async def test_waiting_reply_stays_fresh(
    claude_settings, short_waiting_interval, session_key, vpn_article
):
    question = "VPN does not connect [scenario:ok first_token_delay=1]"
    reply = await asyncio.to_thread(make_exchange, session_key, question)
    updates = []

    async def watch():
        while True:
            stored = await Message.objects.aget(pk=reply.pk)
            if stored.status == Message.Status.STREAMING and stored.text == "":
                updates.append(stored.updated_at)
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    result = await call_stream(reply, session_key)
    watcher.cancel()

    # The reply was touched while no text came, so a follower never took it
    # for abandoned: its updated_at moved after the claim, before the text.
    assert result["events"][-1][0] == "done"
    assert len(set(updates)) >= 2
    assert stale_after() == timedelta(seconds=0.3)


@pytest.mark.django_db(transaction=True)
async def test_leaving_while_waiting_stops_model_call(
    claude_settings, fake_claude, short_waiting_interval, session_key, vpn_article
):
    question = "VPN does not connect [scenario:ok first_token_delay=5]"
    reply = await asyncio.to_thread(make_exchange, session_key, question)

    result = await call_stream(reply, session_key, disconnect_after=1)

    record = fake_claude.requests[0]
    await asyncio.wait_for(record.finished.wait(), timeout=2)
    await reply.arefresh_from_db()
    assert event_names(result) == ["status"]
    assert record.disconnected is True
    assert reply.status == Message.Status.PENDING


@pytest.mark.django_db(transaction=True)
async def test_follower_sends_status_events(
    short_waiting_interval, session_key, vpn_article
):
    question = "VPN does not connect"
    reply = await asyncio.to_thread(make_exchange, session_key, question)
    streaming = Message.objects.filter(pk=reply.pk, status=Message.Status.STREAMING)

    async def beat():
        # Another connection generates the reply, has not written a word yet,
        # and writes heartbeats as a live one does.
        while True:
            await streaming.aupdate(updated_at=timezone.now())
            await asyncio.sleep(0.05)

    await Message.objects.filter(pk=reply.pk).aupdate(status=Message.Status.STREAMING)
    heartbeat = asyncio.create_task(beat())
    follower = asyncio.create_task(call_stream(reply, session_key))
    await asyncio.sleep(POLL_INTERVAL * 2)
    heartbeat.cancel()
    await streaming.aupdate(
        status=Message.Status.COMPLETE, text="Restart the VPN client."
    )

    result = await follower

    names = event_names(result)
    assert names[0] == "status"
    assert names[-3:] == ["status", "delta", "done"]
    assert html.unescape(result["events"][-2][1]) == "Restart the VPN client."


async def items_with_pause(closed):
    try:
        yield "first"
        await asyncio.sleep(10)
        yield "second"
    finally:
        closed.set()


async def test_marks_each_pause_between_items():
    async def items():
        yield "first"
        await asyncio.sleep(0.35)
        yield "second"

    marked = [item async for item in mark_waits(items(), 0.1)]

    assert marked[0] == "first"
    assert marked[-1] == "second"
    assert set(marked[1:-1]) == {WAITING}
    assert len(marked[1:-1]) >= 2


async def test_closing_cancels_pending_item():
    closed = asyncio.Event()
    marked = mark_waits(items_with_pause(closed), 0.05)
    assert await anext(marked) == "first"
    assert await anext(marked) is WAITING

    await marked.aclose()

    assert closed.is_set()


async def test_error_of_item_is_raised():
    async def failing_items():
        yield "first"
        raise ValueError("broken")

    marked = mark_waits(failing_items(), 0.1)
    assert await anext(marked) == "first"

    with pytest.raises(ValueError, match="broken"):
        await anext(marked)


class Marker:
    """An object that the context of every task of mark_waits refers to."""


MARKER = contextvars.ContextVar("marker")


async def test_finished_marks_leave_no_cycle():
    async def items():
        yield "first"

    marker = Marker()
    marker_ref = weakref.ref(marker)
    MARKER.set(marker)
    del marker
    gc.disable()
    try:
        marked = [item async for item in mark_waits(items(), 0.1)]
        MARKER.set(None)

        # Without the collector, only reference counting frees the marker.
        assert marked == ["first"]
        assert marker_ref() is None
    finally:
        gc.enable()
