"""The confidence of replies to a request for a person, on both responders.

A reply that only hands over to IT staff stores no confidence, so the chat
shows none. A reply that also points to an article cites it and keeps its
confidence.
"""

import pytest
from django.urls import reverse

from chat.models import Message
from chat.tests.replies import answer

pytestmark = pytest.mark.django_db


def post_and_read_page(visitor, text):
    """Post ``text`` without htmx, so the reply is generated in the request.

    Returns the chat page that follows.
    """
    response = visitor.post(reverse("chat:post_message"), {"text": text})
    assert response.status_code == 302
    return visitor.get(reverse("chat:page")).content.decode()


@pytest.mark.parametrize(
    "question", ["I want to talk to a human", "соедините со специалистом"]
)
def test_offline_handover_has_no_confidence(vpn_article, question):
    reply, streamed = answer(question)

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.confidence is None
    assert list(reply.cited_articles.all()) == []
    assert streamed == reply.text


def test_offline_handover_with_article_keeps_confidence(vpn_article, settings):
    # The words of the request lower the article's score to about 0.46.
    settings.HELPDESK_CONFIDENCE_THRESHOLD = 0.4

    reply, streamed = answer("VPN does not connect, I want to talk to a human")

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert "Meanwhile, this article may help: VPN does not connect." in streamed
    assert reply.confidence >= 0.4
    assert reply.confidence_reason == "Based on 'VPN does not connect'."
    assert list(reply.cited_articles.all()) == [vpn_article]


def test_offline_handover_keeps_category(vpn_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("I want to talk to a human", first.conversation)

    assert reply.confidence is None
    assert reply.suggested_category == vpn_article.category


def test_page_hides_confidence_of_handover(visitor, vpn_article):
    page = post_and_read_page(visitor, "соедините со специалистом")

    assert "IT staff will take it from here." in page
    assert "<meter" not in page
    assert "confidence-value" not in page
    assert "You asked for a person." not in page


def test_page_shows_confidence_of_handover_with_article(visitor, vpn_article, settings):
    settings.HELPDESK_CONFIDENCE_THRESHOLD = 0.4

    page = post_and_read_page(
        visitor, "VPN does not connect, I want to talk to a human"
    )

    assert "IT staff will take it from here." in page
    assert "<meter" in page
    assert "Based on &#x27;VPN does not connect&#x27;." in page


def test_claude_handover_has_no_confidence(claude_in_thread, vpn_article):
    reply, streamed = answer(
        "VPN does not connect, I want to talk to a human [scenario:asks_for_person]"
    )

    assert len(claude_in_thread.requests) == 1
    assert reply.responder == "claude"
    assert "IT staff will get back to you" in streamed
    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.confidence is None
    assert list(reply.cited_articles.all()) == []
    assert reply.suggested_category == vpn_article.category


def test_claude_handover_with_article_keeps_confidence(claude_in_thread, vpn_article):
    reply, streamed = answer(
        "VPN does not connect from home, I want to talk to a human "
        "[scenario:asks_for_person_with_article]"
    )

    assert reply.responder == "claude"
    assert "Restart the VPN client" in streamed
    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.confidence is not None
    assert reply.confidence > 0
    assert reply.confidence_reason == "Based on 'VPN does not connect'."
    assert list(reply.cited_articles.all()) == [vpn_article]


def test_claude_flag_without_regex_match_has_no_confidence(
    claude_in_thread, vpn_article
):
    # The question itself reads as no request for a person, so only the
    # model's asked_for_person flag makes the reply a handover.
    reply, _streamed = answer("VPN help needed [scenario:asks_for_person]")

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.confidence is None


def test_page_hides_confidence_of_claude_handover(
    claude_in_thread, visitor, vpn_article
):
    page = post_and_read_page(
        visitor, "Позовите специалиста [scenario:asks_for_person]"
    )

    assert len(claude_in_thread.requests) == 1
    assert "<meter" not in page
    assert "confidence-value" not in page
