"""Server-sent events that carry an assistant reply to the browser.

Events: ``delta`` with a piece of escaped text, then one ``done`` with the
final rendered message. ``status`` carries the escaped status line under
the text: a notice whenever no text arrived for WAITING_INTERVAL seconds,
which also keeps proxies from closing the stream as idle, and the usual line
again when text follows. Each reply is generated
once: the connection that moves the message from pending to streaming
generates it, and any later connection replays what is stored.
"""

import asyncio
import logging
import re
import time
from contextlib import aclosing
from datetime import timedelta

from django.http import Http404, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from chat import assistant
from chat.access import get_message
from chat.assistant import WAITING, generate_reply
from chat.database import run_step
from chat.handoff import latest_ticket
from chat.models import Message, sources_prefetch
from knowledge.models import Article

logger = logging.getLogger(__name__)

SSE_LINE_BREAK_REGEX = re.compile(r"\r\n|\r|\n")
# How often a second connection checks on a reply that another one is
# generating.
POLL_INTERVAL = 0.5
# Text that arrives within this many seconds of the last delta event goes
# out in the next one, so a model sending 60 tokens a second costs about 10
# writes a second per stream, not 60. Ten updates a second still read as a
# steady flow of text, and each write costs the worker about half a
# millisecond of CPU (bench/request_cpu.py). The first text goes out at once.
DELTA_INTERVAL = 0.1


def stale_after():
    """Return how long a streaming reply may go without a write.

    After that its worker is taken to have died and the reply is marked
    interrupted. A live reply is written at least every WAITING_INTERVAL:
    its partial text while text arrives, else a heartbeat. Three intervals
    leave room for a worker that is short of CPU.
    """
    return timedelta(seconds=assistant.WAITING_INTERVAL * 3)


def sse_event(event, data):
    """Format one event, with one ``data:`` field per line of ``data``.

    An event stream ends a line at CRLF, LF or a lone CR, so all three split
    ``data``. A CR left inside a field would let text start a new field or
    event of its own.
    """
    lines = SSE_LINE_BREAK_REGEX.split(data)
    fields = "".join(f"data: {line}\n" for line in lines)
    return f"event: {event}\n{fields}\n"


def status_event(waiting):
    if waiting:
        line = _("This takes longer than usual. The assistant is still working on it…")
    else:
        line = _("The assistant is answering…")
    return sse_event("status", escape(line))


def render_final(message, request):
    message = (
        Message.objects.select_related("conversation")
        .prefetch_related(
            sources_prefetch(Article.objects.only("title", "is_published"))
        )
        .get(pk=message.pk)
    )
    if message.status == Message.Status.INTERRUPTED:
        question = (
            message.conversation.messages.filter(
                role=Message.Role.EMPLOYEE, pk__lt=message.pk
            )
            .order_by("-pk")
            .first()
        )
        message.question_text = question.text if question else ""
    # The reply that just finished is the newest, so its ticket offer loads
    # the form.
    context = {
        "message": message,
        "latest_offer": message,
        "conversation_ticket": (
            latest_ticket(message.conversation) if message.offers_ticket else None
        ),
    }
    return render_to_string(
        "chat/page.html#assistant_message", context, request=request
    )


async def generate_events(message, request):
    unsent = ""
    last_sent = None
    waiting = False
    async for chunk in generate_reply(message):
        if chunk is WAITING:
            # Text held back for the next delta event goes out first.
            if unsent:
                yield sse_event("delta", escape(unsent))
                unsent = ""
            waiting = True
            yield status_event(waiting)
            continue
        if waiting and chunk:
            waiting = False
            yield status_event(waiting)
        unsent += chunk
        now = time.monotonic()
        if last_sent is None or now - last_sent >= DELTA_INTERVAL:
            yield sse_event("delta", escape(unsent))
            unsent = ""
            last_sent = now
    if unsent:
        yield sse_event("delta", escape(unsent))
    html = await run_step(render_final, message, request)
    yield sse_event("done", html)


def reload(message):
    return Message.objects.get(pk=message.pk)


def mark_abandoned(message):
    """End a reply whose worker stopped writing, as save_interrupted does.

    A reply without text goes back to pending, so this connection generates
    it. The update applies only while the text is still the one read here.
    """
    Message.objects.filter(
        pk=message.pk, status=Message.Status.STREAMING, text=message.text
    ).update(**Message.stopped_fields(message.text), updated_at=timezone.now())


async def follow_events(message, request):
    """Replay a reply that is finished or being generated by another connection.

    Stops without a ``done`` event when the reply is pending again, because
    the connection or the worker that claimed it stopped before the first
    word.
    """
    sent = 0
    last_event = time.monotonic()
    waiting = False
    while True:
        message = await run_step(reload, message)
        if message.status == Message.Status.PENDING:
            return
        if len(message.text) > sent:
            if waiting:
                waiting = False
                yield status_event(waiting)
            yield sse_event("delta", escape(message.text[sent:]))
            sent = len(message.text)
            last_event = time.monotonic()
        if message.is_final:
            break
        if time.monotonic() - last_event >= assistant.WAITING_INTERVAL:
            waiting = True
            yield status_event(waiting)
            last_event = time.monotonic()
        if timezone.now() - message.updated_at > stale_after():
            logger.warning("Reply %s abandoned while streaming", message.pk)
            await run_step(mark_abandoned, message)
            continue
        await asyncio.sleep(POLL_INTERVAL)
    html = await run_step(render_final, message, request)
    yield sse_event("done", html)


def claim(message):
    """Move a pending reply to streaming; return whether this call did it."""
    return bool(
        Message.objects.filter(pk=message.pk, status=Message.Status.PENDING).update(
            status=Message.Status.STREAMING, updated_at=timezone.now()
        )
    )


def release(message):
    """Put a claimed reply that produced nothing back to pending."""
    Message.objects.filter(
        pk=message.pk, status=Message.Status.STREAMING, text=""
    ).update(status=Message.Status.PENDING, updated_at=timezone.now())


async def claim_shielded(message):
    """Claim the reply as ``claim`` does, handing it back if the client leaves."""
    # The claim runs to completion even when the client leaves during it, so
    # this connection knows whether it must hand the reply back.
    claim_task = asyncio.ensure_future(run_step(claim, message))
    try:
        return await asyncio.shield(claim_task)
    except asyncio.CancelledError:
        if await claim_task:
            await run_step(release, message)
        raise


async def reply_events(message, request):
    """Generate the reply if no connection has claimed it yet, else replay it.

    A reply that goes back to pending while this connection follows it is
    claimed again here, because no other connection is generating it.
    """
    while True:
        claimed = await claim_shielded(message)
        if claimed:
            logger.info("Reply %s streaming", message.pk)
            events = generate_events(message, request)
        else:
            events = follow_events(message, request)
        finished = False
        try:
            async with aclosing(events):
                async for event in events:
                    finished = event.startswith("event: done\n")
                    yield event
        except (asyncio.CancelledError, GeneratorExit):
            if claimed:
                # Left before the first word: the next connection generates it.
                await asyncio.shield(run_step(release, message))
            raise
        if claimed or finished:
            return
        logger.info(
            "Reply %s is pending again, so this connection claims it", message.pk
        )


@require_GET
async def stream_reply(request, public_id):
    message = await run_step(get_message, request, public_id)
    if message.role != Message.Role.ASSISTANT:
        raise Http404("No such reply.")

    events = reply_events(message, request)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # Tells nginx and similar proxies not to buffer the stream.
    response["X-Accel-Buffering"] = "no"
    return response
