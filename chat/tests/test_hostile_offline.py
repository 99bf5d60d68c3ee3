"""Hostile messages and articles through the chat with the knowledge-base responder."""

import html

import pytest
from django.urls import reverse

from chat.models import Conversation, Message
from chat.tests import hostile_inputs
from chat.tests.chat_flow import (
    STREAM_WARNING,
    assert_markup_safe,
    assert_stream_safe,
    chat_pages,
    create_article,
    latest_exchange,
    post_message,
    read_stream,
)
from chat.tests.hostile_inputs import MESSAGES, REJECTED, STORED, HostileMessage
from tickets.tests.factories import TicketFactory

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings(STREAM_WARNING)]

STORED_MESSAGES = [case for case in MESSAGES if case.outcome == STORED]
REJECTED_MESSAGES = [case for case in MESSAGES if case.outcome == REJECTED]


def ids(cases):
    return [case.id for case in cases]


@pytest.mark.parametrize("case", STORED_MESSAGES, ids=ids(STORED_MESSAGES))
def test_hostile_message_is_stored(visitor, vpn_article, case):
    response = post_message(visitor, case)

    question, reply = latest_exchange()
    assert response.status_code == 200
    assert question.text == case.expected_text
    assert reply.status == Message.Status.PENDING
    assert_markup_safe(response.content.decode(), "the posted exchange")


@pytest.mark.parametrize("case", REJECTED_MESSAGES, ids=ids(REJECTED_MESSAGES))
def test_hostile_message_is_rejected(visitor, case):
    response = post_message(visitor, case)

    body = response.content.decode()
    assert response.status_code == 422
    assert case.error in body
    assert 'id="text-error"' in body
    assert Message.objects.count() == 0
    assert_markup_safe(body, "the form with its error")


@pytest.mark.parametrize("case", STORED_MESSAGES, ids=ids(STORED_MESSAGES))
def test_hostile_message_reply_is_safe(visitor, vpn_article, case):
    post_message(visitor, case)
    _question, reply = latest_exchange()

    status, events = read_stream(visitor, reply)

    reply.refresh_from_db()
    assert status == 200
    assert reply.is_final
    assert_stream_safe(events)
    for where, page in chat_pages(visitor).items():
        assert_markup_safe(page, where)
        first_line = case.expected_text.splitlines()[0]
        assert first_line in html.unescape(page), f"{where} lacks the message"


def test_template_syntax_is_shown_literally(visitor):
    case = next(case for case in MESSAGES if case.id == "template_syntax")
    post_message(visitor, case)

    page = chat_pages(visitor)["chat page"]

    assert "{{ request.session }} {% debug %}" in html.unescape(page)
    assert "{{7*7}}" in html.unescape(page)


def test_nul_in_category_is_rejected(visitor, vpn_article):
    body = "text=VPN&category=network%00"

    response = visitor.post(
        reverse("chat:post_message"),
        data=body,
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert Message.objects.count() == 0


def test_other_employees_data_stays_out(visitor, vpn_article):
    other = Conversation.objects.create(session_key="someone-else")
    other.messages.create(role=Message.Role.EMPLOYEE, text="Anna's secret salary")
    TicketFactory(subject="Anna's secret ticket", requester_email="anna@example.com")
    case = next(case for case in MESSAGES if case.id == "other_employee")
    post_message(visitor, case)
    _question, reply = latest_exchange()

    _status, events = read_stream(visitor, reply)

    streamed = "".join(data for _name, data in events)
    page = chat_pages(visitor)["chat page"]
    assert "secret" not in streamed
    assert "secret" not in page


@pytest.fixture(params=hostile_inputs.ARTICLES, ids=lambda item: item["id"])
def hostile_article(request, db):
    return create_article(request.param)


def test_hostile_article_answer_is_safe(visitor, hostile_article):
    post_message(visitor, HostileMessage("question", "VPN does not connect"))
    _question, reply = latest_exchange()

    _status, events = read_stream(visitor, reply)

    reply.refresh_from_db()
    assert reply.status == Message.Status.COMPLETE
    assert "Restart the VPN client" in reply.text
    assert list(reply.cited_articles.all()) == [hostile_article]
    assert_stream_safe(events)
    for where, page in chat_pages(visitor).items():
        assert_markup_safe(page, where)


def test_hostile_article_page_is_safe(client, hostile_article):
    url = reverse("knowledge:article", args=[hostile_article.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert "Restart the VPN client" in response.content.decode()
    assert_markup_safe(response.content.decode(), "the article page")
