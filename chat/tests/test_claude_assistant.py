"""The assistant with Claude configured, against the fake Messages API."""

import pytest

from chat.models import Message
from chat.tests.replies import answer

pytestmark = pytest.mark.django_db


def test_claude_reply_is_saved(claude_in_thread, vpn_article):
    reply, streamed = answer("VPN does not connect from home")

    assert reply.responder == "claude"
    assert reply.status == Message.Status.COMPLETE
    assert streamed == reply.text
    assert reply.text.startswith('This looks like "VPN does not connect"')
    assert list(reply.cited_articles.all()) == [vpn_article]
    assert reply.model == "claude-haiku-4-5-20251001"
    assert reply.input_tokens > 0
    assert reply.output_tokens > 0


def test_claude_failure_ends_with_apology(claude_in_thread, vpn_article):
    reply, streamed = answer("VPN does not connect [scenario:stream_error]")

    assert reply.status == Message.Status.FAILED
    assert reply.failure_reason == "stream_error"
    assert reply.handoff == Message.Handoff.ASSISTANT_ERROR
    assert reply.text.startswith('This looks like "VPN does not connect"')
    assert "Sorry, the assistant cannot answer right now." in reply.text
    assert streamed == reply.text


def test_claude_follow_up_without_match_offers_ticket(claude_in_thread, vpn_article):
    first, _streamed = answer("VPN does not connect from home")

    # Only the previous question matches an article, so the fake model's
    # high confidence must not lift the reply over the threshold.
    reply, _streamed = answer("А если не помогло?", first.conversation)

    assert reply.responder == "claude"
    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE
    assert reply.offers_ticket
    assert reply.confidence_reason.startswith("Только вместе с предыдущим вопросом")
    assert "VPN does not connect" in reply.confidence_reason


def test_claude_follow_up_with_own_match_is_answered(
    claude_in_thread, vpn_article, mail_article
):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("Не могу войти в почту", first.conversation)

    assert reply.confidence >= 0.6
    assert reply.handoff == Message.Handoff.NONE


def test_claude_is_not_called_for_thanks(claude_in_thread, vpn_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("Thanks, that worked!", first.conversation)

    assert len(claude_in_thread.requests) == 1
    assert reply.responder == "knowledge_base"
    assert reply.confidence is None
    assert reply.handoff == Message.Handoff.NONE


def test_claude_is_not_called_for_first_thanks(claude_in_thread, vpn_article):
    reply, _streamed = answer("спасибо")

    assert len(claude_in_thread.requests) == 0
    assert reply.responder == "knowledge_base"
    assert reply.confidence is None
    assert not reply.offers_ticket
