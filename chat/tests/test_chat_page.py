import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def open_conversation(visitor, session_key, exchanges, article):
    conversation = ConversationFactory(session_key=session_key)
    for _ in range(exchanges):
        MessageFactory(conversation=conversation)
        reply = MessageFactory(
            conversation=conversation,
            role=Message.Role.ASSISTANT,
            text="Restart the client.",
            confidence=0.9,
            confidence_reason="Based on 'VPN does not connect'.",
        )
        reply.cited_articles.add(article)
    session = visitor.session
    session["conversation_id"] = str(conversation.public_id)
    session.save()
    return conversation


def test_page_shows_answer_with_sources(visitor, session_key, vpn_article):
    open_conversation(visitor, session_key, 1, vpn_article)

    response = visitor.get(reverse("chat:page"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Restart the client." in body
    assert vpn_article.get_absolute_url() in body
    assert "0.90" in body


def test_page_query_count_is_flat(
    visitor, session_key, vpn_article, django_assert_num_queries
):
    conversation = open_conversation(visitor, session_key, 2, vpn_article)
    # The first load caches the category list, which later loads reuse.
    visitor.get(reverse("chat:page"))
    with CaptureQueriesContext(connection) as short:
        visitor.get(reverse("chat:page"))
    for _ in range(20):
        MessageFactory(conversation=conversation)
        reply = MessageFactory(
            conversation=conversation, role=Message.Role.ASSISTANT, confidence=0.9
        )
        reply.cited_articles.add(vpn_article)

    with django_assert_num_queries(len(short.captured_queries)):
        visitor.get(reverse("chat:page"))


def test_pending_reply_reopens_its_stream(visitor, session_key):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation)
    reply = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        status=Message.Status.PENDING,
        text="",
    )
    session = visitor.session
    session["conversation_id"] = str(conversation.public_id)
    session.save()

    response = visitor.get(reverse("chat:page"))

    assert reverse("chat:stream", args=[reply.public_id]) in response.content.decode()
