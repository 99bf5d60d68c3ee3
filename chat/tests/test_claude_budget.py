"""The daily token budget of the Claude path, against the fake Messages API."""

from contextlib import aclosing
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.urls import reverse

from chat.assistant import budget_notice, generate_reply
from chat.budget import day_start, tokens_used_today
from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from chat.tests.replies import answer as generate_answer

# Registers the fake Messages API fixtures, fake_claude_thread among them.

pytestmark = pytest.mark.django_db

BUDGET = 1000


@pytest.fixture
def claude(fake_claude_thread, settings):
    settings.ANTHROPIC_API_KEY = "fake-key"
    settings.ANTHROPIC_BASE_URL = fake_claude_thread.base_url
    settings.CLAUDE_MODEL = "claude-haiku-4-5"
    settings.CLAUDE_TIMEOUT = 2.0
    settings.CLAUDE_MAX_RETRIES = 0
    settings.HELPDESK_DAILY_TOKEN_BUDGET = BUDGET
    return fake_claude_thread


def spend(conversation, input_tokens=0, **tokens):
    """Store an earlier Claude reply in the conversation with these token counts."""
    return MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="An earlier answer.",
        responder="claude",
        input_tokens=input_tokens,
        **tokens,
    )


def answer(conversation, question):
    reply, streamed = generate_answer(question, conversation)
    assert streamed == reply.text
    return reply


def test_reply_under_budget_calls_claude(claude, vpn_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET - 1)

    reply = answer(conversation, "VPN does not connect")

    assert len(claude.requests) == 1
    assert reply.responder == "claude"
    assert reply.handoff == Message.Handoff.NONE


def test_spent_budget_answers_from_knowledge_base(claude, vpn_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET)

    reply = answer(conversation, "VPN does not connect")

    assert claude.requests == []
    assert reply.responder == "knowledge_base"
    assert reply.status == Message.Status.COMPLETE
    assert reply.text.startswith(budget_notice("en"))
    assert "Restart the VPN client" in reply.text
    assert reply.handoff == Message.Handoff.DAILY_LIMIT
    assert reply.offers_ticket


def test_claude_usage_spends_budget(claude, vpn_article, settings):
    settings.HELPDESK_DAILY_TOKEN_BUDGET = 1
    conversation = ConversationFactory()

    first = answer(conversation, "VPN does not connect")
    second = answer(conversation, "VPN still does not connect")

    assert len(claude.requests) == 1
    assert first.responder == "claude"
    assert first.input_tokens > 0
    assert second.responder == "knowledge_base"


def test_failed_reply_usage_spends_budget(claude, vpn_article, settings):
    settings.HELPDESK_DAILY_TOKEN_BUDGET = 1
    conversation = ConversationFactory()

    failed = answer(conversation, "VPN does not connect [scenario:refusal]")
    second = answer(conversation, "VPN does not connect")

    assert failed.status == Message.Status.FAILED
    assert len(claude.requests) == 1
    assert second.handoff == Message.Handoff.DAILY_LIMIT


def test_budget_spans_user_conversations(claude, vpn_article):
    user = get_user_model().objects.create_user("anna")
    spend(ConversationFactory(user=user), input_tokens=BUDGET)

    reply = answer(ConversationFactory(user=user), "VPN does not connect")

    assert claude.requests == []
    assert reply.handoff == Message.Handoff.DAILY_LIMIT


def test_other_user_usage_not_counted(claude, vpn_article):
    users = get_user_model().objects
    spend(ConversationFactory(user=users.create_user("ivan")), input_tokens=BUDGET)

    reply = answer(
        ConversationFactory(user=users.create_user("anna")), "VPN does not connect"
    )

    assert reply.responder == "claude"


def test_anonymous_budget_spans_session(claude, vpn_article):
    spend(ConversationFactory(session_key="a" * 32), input_tokens=BUDGET)

    reply = answer(ConversationFactory(session_key="a" * 32), "VPN does not connect")

    assert claude.requests == []
    assert reply.handoff == Message.Handoff.DAILY_LIMIT


def test_other_session_usage_not_counted(claude, vpn_article):
    spend(ConversationFactory(session_key="a" * 32), input_tokens=BUDGET)

    reply = answer(ConversationFactory(session_key="b" * 32), "VPN does not connect")

    assert reply.responder == "claude"


def test_zero_budget_means_no_limit(claude, vpn_article, settings):
    settings.HELPDESK_DAILY_TOKEN_BUDGET = 0
    conversation = ConversationFactory()
    spend(conversation, input_tokens=10**6)

    reply = answer(conversation, "VPN does not connect")

    assert len(claude.requests) == 1
    assert reply.responder == "claude"


def test_offline_responder_ignores_budget(vpn_article, settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.HELPDESK_DAILY_TOKEN_BUDGET = BUDGET
    conversation = ConversationFactory()
    spend(conversation, input_tokens=10**6)

    reply = answer(conversation, "VPN does not connect")

    assert reply.responder == "knowledge_base"
    assert not reply.text.startswith(budget_notice("en"))
    assert reply.handoff == Message.Handoff.NONE


def test_russian_question_gets_russian_answer(claude, mail_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET)

    reply = answer(conversation, "Не могу войти в корпоративную почту")

    assert claude.requests == []
    assert reply.text.startswith(budget_notice("ru"))
    assert "Вот что нужно сделать" in reply.text
    assert reply.handoff == Message.Handoff.DAILY_LIMIT


def test_person_request_keeps_its_reason(claude, vpn_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET)

    reply = answer(conversation, "I want to talk to a person")

    assert reply.text.startswith(budget_notice("en"))
    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON


def test_notice_once_per_conversation(claude, vpn_article, mail_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET)

    first = answer(conversation, "VPN does not connect")
    second = answer(conversation, "Не могу войти в корпоративную почту")

    assert claude.requests == []
    assert first.text.startswith(budget_notice("en"))
    assert first.daily_limit_reached
    assert budget_notice("en") not in second.text
    assert budget_notice("ru") not in second.text
    assert "Вот что нужно сделать" in second.text
    assert second.daily_limit_reached
    assert second.handoff == Message.Handoff.DAILY_LIMIT
    assert second.offers_ticket


def test_notice_again_in_new_conversation(claude, vpn_article):
    user = get_user_model().objects.create_user("anna")
    earlier = ConversationFactory(user=user)
    spend(earlier, input_tokens=BUDGET)
    answer(earlier, "VPN does not connect")

    reply = answer(ConversationFactory(user=user), "VPN does not connect")

    assert reply.text.startswith(budget_notice("en"))


def test_notice_again_on_next_day(claude, vpn_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET)
    yesterday = answer(conversation, "VPN does not connect")
    Message.objects.filter(conversation=conversation).update(
        created_at=day_start() - timedelta(hours=1)
    )
    spend(conversation, input_tokens=BUDGET)

    reply = answer(conversation, "VPN still does not connect")

    assert yesterday.text.startswith(budget_notice("en"))
    assert reply.text.startswith(budget_notice("en"))


def test_interrupted_notice_is_not_repeated(claude, vpn_article):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=BUDGET)
    MessageFactory(conversation=conversation, text="VPN does not connect")
    interrupted = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="",
        status=Message.Status.STREAMING,
    )

    async def read_notice_and_leave():
        async with aclosing(generate_reply(interrupted)) as chunks:
            return await anext(chunks)

    notice = async_to_sync(read_notice_and_leave)()
    reply = answer(conversation, "VPN does not connect")

    interrupted.refresh_from_db()
    assert notice.startswith(budget_notice("en"))
    assert interrupted.status == Message.Status.INTERRUPTED
    assert interrupted.text.startswith(budget_notice("en"))
    assert budget_notice("en") not in reply.text


def test_claude_reply_does_not_count_as_notice(claude, vpn_article, settings):
    settings.HELPDESK_DAILY_TOKEN_BUDGET = 1
    conversation = ConversationFactory()

    first = answer(conversation, "VPN does not connect")
    second = answer(conversation, "VPN still does not connect")

    assert not first.daily_limit_reached
    assert second.text.startswith(budget_notice("en"))


def test_page_shows_notice_once(claude, visitor, session_key, vpn_article):
    spend(ConversationFactory(session_key=session_key), input_tokens=BUDGET)

    for text in ["VPN is down", "VPN still does not connect"]:
        visitor.post(reverse("chat:post_message"), {"text": text})
    page = visitor.get(reverse("chat:page")).content.decode()

    assert claude.requests == []
    assert page.count("reached today's limit of the AI assistant") == 1
    assert page.count("Need more help today?") == 2


def test_counted_tokens_leave_out_cache_reads(db):
    conversation = ConversationFactory()
    spend(
        conversation,
        input_tokens=10,
        output_tokens=20,
        cache_write_tokens=30,
        cache_read_tokens=5000,
    )
    MessageFactory(conversation=conversation, text="The question")

    assert tokens_used_today(conversation) == 60


def test_day_starts_at_midnight_in_time_zone(settings):
    settings.TIME_ZONE = "Asia/Vladivostok"
    conversation = ConversationFactory()
    before = spend(conversation, input_tokens=100)
    after = spend(conversation, input_tokens=7)
    start = day_start()
    Message.objects.filter(pk=before.pk).update(created_at=start - timedelta(minutes=1))
    Message.objects.filter(pk=after.pk).update(created_at=start)

    used = tokens_used_today(conversation)

    assert start.utcoffset() == timedelta(hours=10)
    assert (start.hour, start.minute) == (0, 0)
    assert used == 7


def test_budget_check_is_one_query(django_assert_num_queries):
    conversation = ConversationFactory()
    spend(conversation, input_tokens=5)

    with django_assert_num_queries(1):
        used = tokens_used_today(conversation)

    assert used == 5


def test_spent_budget_keeps_question_and_offers_ticket(
    claude, visitor, session_key, vpn_article
):
    spend(ConversationFactory(session_key=session_key), input_tokens=BUDGET)

    response = visitor.post(reverse("chat:post_message"), {"text": "VPN is down"})
    page = visitor.get(reverse("chat:page")).content.decode()

    question = Message.objects.get(role=Message.Role.EMPLOYEE)
    assert response.status_code == 302
    assert claude.requests == []
    assert question.text == "VPN is down"
    assert "reached today's limit of the AI assistant" in page
    assert f"?conversation={question.conversation.public_id}" in page
    assert "Need more help today?" in page
