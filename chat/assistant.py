"""Generate one assistant message: search, stream the responder, save the result.

The assistant does not know which responder it talks to. It owns what every
reply needs whatever the responder: the knowledge-base search, saving partial
text as it streams, the handoff decision and the apology on failure.
"""

import asyncio
import logging
import time
from contextlib import aclosing
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat.budget import daily_budget_spent, day_start
from chat.database import run_step
from chat.intent import (
    asks_for_person,
    detect_language,
    is_closing,
    reports_no_change,
)
from chat.models import Message
from chat.responders import Assessment, Turn, get_responder
from chat.responders.offline import OfflineResponder
from knowledge.analysis import query_terms
from knowledge.gaps import record_gap
from knowledge.models import Category
from knowledge.search import search

logger = logging.getLogger(__name__)

# Partial text is written to the database at most this often while streaming,
# so a crashed worker loses at most this many seconds of an answer.
FLUSH_INTERVAL = 1.0
# generate_reply yields WAITING after this many seconds without text from the
# responder, as when Claude's API is slow or the SDK retries a request.
WAITING_INTERVAL = 15.0
SEARCH_LIMIT = 5
# How far under the threshold a follow-up's score stays when the follow-up
# matches articles only together with the previous question.
FOLLOW_UP_MARGIN = 0.05
# A question whose content words weigh at most this much (two full words and
# a weak one, see knowledge.analysis.query_terms) is read as a follow-up of
# the previous one when it matches weakly on its own.
FOLLOW_UP_MAX_WEIGHT = 2.5
# A later question whose content words weigh at most this much, one full
# word, is read as a follow-up even when it matches an article well on its
# own: "it still asks" matches "asks" in an unrelated title, and "ничего не
# изменилось" a word in the text of another article.
ONE_WORD_WEIGHT = 1.0
# A later question that reports the problem unchanged ("VPN всё равно не
# подключается") is read as a follow-up up to this weight, three full words.
NO_CHANGE_MAX_WEIGHT = 3.0
# A later question with content words of at least this weight, two full
# words, that match no article at all names a topic of its own, as "Как
# оформить отпуск?" after a VPN question. The reply treats it as a new
# question, so the knowledge gap is recorded.
NEW_TOPIC_WEIGHT = 2.0


class Waiting:
    """The marker that generate_reply yields while the responder sends nothing."""

    def __repr__(self):
        return "WAITING"


WAITING = Waiting()


async def mark_waits(items, interval):
    """Yield the items of the async iterator ``items``, and WAITING during gaps.

    WAITING comes each time ``interval`` seconds pass without an item. Each
    item is awaited in a task of its own, so that the wait can end without
    cancelling the responder. The task runs in a copy of the context, which
    is safe because responders keep no state in context variables and use
    no database connection. Closing or cancelling this generator cancels
    the pending task.
    """
    pending = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(items))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield WAITING
                continue
            finished, pending = pending, None
            # The end is read without raising it here: the traceback of a
            # raised StopAsyncIteration would refer to this frame, and the
            # frame to the task, a cycle that keeps the task and its context
            # until the garbage collector runs.
            if not finished.cancelled() and isinstance(
                finished.exception(), StopAsyncIteration
            ):
                return
            yield finished.result()
    finally:
        if pending is not None:
            pending.cancel()
            await asyncio.wait({pending})
            if not pending.cancelled() and pending.exception() is not None:
                logger.warning(
                    "Responder failed while its reply was being closed",
                    exc_info=pending.exception(),
                )


def load_context(message):
    """Return the question, earlier turns, knowledge-base hits, a confidence cap
    and the reply's language.

    The cap is the highest confidence the reply may report: below the
    threshold when only the previous questions matched an article, else 1.
    """
    conversation = message.conversation
    earlier = list(
        conversation.messages.filter(created_at__lte=message.created_at)
        .exclude(pk=message.pk)
        .order_by("created_at", "pk")
    )
    questions = [m for m in earlier if m.role == Message.Role.EMPLOYEE]
    question = questions[-1].text if questions else ""
    history = [Turn(role=m.role, text=m.text) for m in earlier[:-1] if m.text]
    # The reply's language, as generate_reply detects it, so that "vpn" on a
    # Russian page finds the Russian article first.
    language = detect_language(question, default=translation.get_language() or "en")

    hits = find_hits(question, conversation, language)
    threshold = settings.HELPDESK_CONFIDENCE_THRESHOLD
    ceiling = 1.0
    weight = question_weight(question)
    weak = not hits or hits[0].score < threshold
    person = asks_for_person(question)
    no_change = reports_no_change(question)
    # "did that, nothing changed" may match another article well, but it is
    # about the earlier reply.
    follow_up_wording = weight <= ONE_WORD_WEIGHT or no_change
    new_topic = not hits and weight >= NEW_TOPIC_WEIGHT and not person and not no_change
    if (
        len(questions) > 1
        and (weak or follow_up_wording)
        and not new_topic
        and (
            weight <= FOLLOW_UP_MAX_WEIGHT
            or person
            or (no_change and weight <= NO_CHANGE_MAX_WEIGHT)
        )
    ):
        # A follow-up such as "and if that did not help?" names no topic, so
        # the search also reads the previous question. A match found only
        # that way shows the topic, not that the article covers the
        # follow-up, so its score and the reply's confidence stay under the
        # threshold and the ticket form is offered, whatever the responder.
        # Up to two earlier questions that name a topic, because those just
        # before may themselves be follow-ups or thanks, as in "VPN fails",
        # "thanks, but it did not help", "still broken", "a human".
        topics = [asked.text for asked in questions[:-1] if names_topic(asked.text)]
        context = topics[-2:] or [asked.text for asked in questions[-3:-1]]
        topic = "\n".join([*context, question])
        topic_hits = find_hits(topic, conversation, language)
        if topic_hits and (
            follow_up_wording or not hits or topic_hits[0].score > hits[0].score
        ):
            ceiling = threshold - FOLLOW_UP_MARGIN
            hits = [
                replace(hit, score=max(0.0, min(hit.score, ceiling)))
                for hit in topic_hits
            ]
    return question, history, hits, ceiling, language


def question_weight(question):
    """Return the summed weight of the content words of ``question``."""
    return sum(term.weight for term in query_terms(question))


def names_topic(question):
    """Return whether ``question`` names a problem of its own.

    Thanks, requests for a person and messages of one content word do not.
    """
    return (
        question_weight(question) > ONE_WORD_WEIGHT
        and not is_closing(question)
        and not asks_for_person(question)
    )


def find_hits(question, conversation, language=None):
    """Search for ``question``, in the conversation's category when it fits.

    The employee's category narrows the search only when the best article in
    it matches as well as the best one overall, so a wrong pick never turns
    an unrelated article into a confident answer.
    """
    hits = search(question, limit=SEARCH_LIMIT, language=language)
    if conversation.category_id and hits:
        in_category = search(
            question,
            category=conversation.category,
            limit=SEARCH_LIMIT,
            language=language,
        )
        if in_category and in_category[0].score >= hits[0].score:
            hits = in_category
    return hits


def handoff_reason(question, assessment, over_budget=False):
    threshold = settings.HELPDESK_CONFIDENCE_THRESHOLD
    if assessment.failure:
        return Message.Handoff.ASSISTANT_ERROR
    if assessment.closing:
        return Message.Handoff.NONE
    if assessment.asked_for_person or asks_for_person(question):
        return Message.Handoff.ASKED_FOR_PERSON
    if over_budget:
        return Message.Handoff.DAILY_LIMIT
    if assessment.confidence < threshold:
        return Message.Handoff.LOW_CONFIDENCE
    return Message.Handoff.NONE


def reply_confidence(assessment, handoff, cited_ids):
    """Return the confidence to store for a reply, or None for a reply without advice.

    Thanks contain no advice. A reply to a request for a person that cites
    no article only hands over to IT staff, and the best article's score
    would read as a rating of that handover. A reply that also points to
    articles keeps its confidence, because it quotes them.
    """
    if assessment.closing:
        return None
    if handoff == Message.Handoff.ASKED_FOR_PERSON and not cited_ids:
        return None
    return max(0.0, min(1.0, assessment.confidence))


def apology(language):
    with translation.override(language):
        return _(
            "Sorry, the assistant cannot answer right now. Your question is "
            "saved: create a ticket below and IT staff will help you."
        )


def budget_notice(language):
    with translation.override(language):
        return _(
            "You have reached today's limit of the AI assistant, so this answer "
            "comes from the knowledge base alone. Your question is saved: if the "
            "answer does not help, create a ticket below and IT staff will help you."
        )


def over_budget(message):
    """Return whether the reply's employee has spent today's Claude tokens."""
    return daily_budget_spent(message.conversation)


def budget_notice_shown(message):
    """Return whether another reply of the conversation hit the daily limit today.

    The first such reply starts with the budget notice, so the employee has
    seen it in this conversation.
    """
    return (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            role=Message.Role.ASSISTANT,
            daily_limit_reached=True,
            created_at__gte=day_start(),
        )
        .exclude(pk=message.pk)
        .exists()
    )


def save_responder(message_pk, name, limited):
    # generate_reply stores the flag before it sends the notice, so that a
    # reply interrupted after the notice still counts as having shown it.
    Message.objects.filter(pk=message_pk).update(
        responder=name, daily_limit_reached=limited
    )


def save_partial(message_pk, text):
    Message.objects.filter(pk=message_pk).update(text=text, updated_at=timezone.now())


def save_heartbeat(message_pk):
    """Record that the reply is still being generated, though without new text."""
    Message.objects.filter(pk=message_pk, status=Message.Status.STREAMING).update(
        updated_at=timezone.now()
    )


def save_interrupted(message_pk, text):
    Message.objects.filter(pk=message_pk).update(
        **Message.stopped_fields(text), updated_at=timezone.now()
    )


def save_final(message, text, assessment, question, hits, language, limited=False):
    """Store the finished reply and its assessment in one transaction.

    ``limited`` means the daily token budget kept Claude from answering.
    """
    hit_ids = {hit.article.pk for hit in hits}
    # The responder's order, most relevant first, is the order of the
    # sources under the reply.
    cited_ids = list(
        dict.fromkeys(pk for pk in assessment.cited_article_ids if pk in hit_ids)
    )
    category = None
    if assessment.suggested_category:
        category = Category.objects.filter(slug=assessment.suggested_category).first()

    message.text = text
    message.status = (
        Message.Status.FAILED if assessment.failure else Message.Status.COMPLETE
    )
    message.handoff = handoff_reason(question, assessment, over_budget=limited)
    message.confidence = reply_confidence(assessment, message.handoff, cited_ids)
    message.confidence_reason = assessment.reason[:300]
    message.failure_reason = assessment.failure[:200]
    message.suggested_category = category
    message.model = assessment.model[:100]
    message.input_tokens = assessment.usage.input_tokens
    message.output_tokens = assessment.usage.output_tokens
    message.cache_read_tokens = assessment.usage.cache_read_tokens
    message.cache_write_tokens = assessment.usage.cache_write_tokens
    with transaction.atomic():
        message.save()
        message.set_citations(cited_ids)
    if not hits and message.handoff == Message.Handoff.LOW_CONFIDENCE:
        record_gap(question, language)


async def generate_reply(message):
    """Yield the reply's text chunks while saving them to ``message``.

    Between chunks it yields WAITING each time the responder sends nothing
    for WAITING_INTERVAL seconds. When the generator finishes, ``message``
    holds its final state. When the consumer goes away (the task is
    cancelled or the generator closed), the text streamed so far is saved
    and the message is marked interrupted.
    """
    text = ""
    notice = ""
    assessment = None
    limited = False
    question, hits, ceiling = "", [], 1.0
    language = translation.get_language() or "en"
    responder = get_responder()
    last_flush = time.monotonic()
    try:
        question, history, hits, ceiling, language = await run_step(
            load_context, message
        )
        if responder.name == "claude" and is_closing(question):
            # Thanks need no model: the offline reply to them is the same.
            responder = OfflineResponder()
        if responder.name == "claude" and await run_step(over_budget, message):
            # The offline responder still replies from the knowledge base,
            # because its steps often solve the problem and use no tokens.
            logger.info(
                "Reply %s: daily token budget spent, Claude skipped", message.pk
            )
            limited = True
            responder = OfflineResponder()
            # Once per conversation and day, because the notice also
            # explains the later replies of the conversation.
            if not await run_step(budget_notice_shown, message):
                notice = budget_notice(language) + "\n\n"
        message.responder = responder.name
        message.daily_limit_reached = limited
        await run_step(save_responder, message.pk, responder.name, limited)
        if notice:
            text += notice
            yield notice
        # aclosing() closes the responder's stream and its pending read when
        # the client goes away, so the model call stops at once.
        async with (
            aclosing(responder.stream(question, history, hits, language)) as items,
            aclosing(mark_waits(items, WAITING_INTERVAL)) as marked_items,
        ):
            async for item in marked_items:
                if item is WAITING:
                    # Another connection takes a reply that goes unchanged for
                    # long (chat.stream.stale_after) to be abandoned.
                    await run_step(save_heartbeat, message.pk)
                    yield item
                    continue
                if isinstance(item, Assessment):
                    assessment = item
                    continue
                text += item
                yield item
                if time.monotonic() - last_flush >= FLUSH_INTERVAL:
                    await run_step(save_partial, message.pk, text)
                    last_flush = time.monotonic()
    except (asyncio.CancelledError, GeneratorExit):
        logger.info("Reply %s interrupted after %d characters", message.pk, len(text))
        await asyncio.shield(run_step(save_interrupted, message.pk, text))
        raise
    except Exception:
        logger.exception("Responder %s failed on reply %s", responder.name, message.pk)
        assessment = Assessment(confidence=0.0, reason="", failure="responder_error")

    if assessment is None:
        logger.error(
            "Responder %s gave no assessment on reply %s", responder.name, message.pk
        )
        assessment = Assessment(confidence=0.0, reason="", failure="no_assessment")
    # Claude's confidence may rise above the best hit's score (KB_MARGIN), so
    # the cap of a follow-up is applied to the reply, not only to its hits.
    # The model's reason then explains a confidence that was not kept.
    if assessment.confidence > ceiling and not assessment.closing and hits:
        assessment.confidence = ceiling
        with translation.override(language):
            assessment.reason = _(
                "Only together with the earlier question does this match "
                "'%(title)s', so the answer may not cover this follow-up."
            ) % {"title": hits[0].article.title}
    if assessment.failure:
        logger.warning(
            "Reply %s failed: %s (responder %s)",
            message.pk,
            assessment.failure,
            responder.name,
        )
        tail = apology(language)
        separator = "\n\n" if text.strip() else ""
        text += separator + tail
        yield separator + tail
        with translation.override(language):
            assessment.reason = _("The assistant could not finish the answer.")
    await run_step(
        save_final, message, text, assessment, question, hits, language, limited
    )
