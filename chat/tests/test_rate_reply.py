"""An employee rates a reply of the assistant as helpful or not."""

import pytest
from django.urls import reverse

from chat.access import SESSION_KEY
from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
INVALID = "The rating is invalid: choose yes or no."


@pytest.fixture
def reply(session_key):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation)
    return MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="Restart the VPN client.",
    )


def rate_url(message):
    return reverse("chat:rate", args=[message.public_id])


def test_htmx_rating_returns_thanks(visitor, reply):
    response = visitor.post(rate_url(reply), {"helpful": "yes"}, headers=HTMX)

    assert response.status_code == 200
    assert "Thank you for the feedback." in response.text
    reply.refresh_from_db()
    assert reply.helpful is True


def test_htmx_invalid_rating_gets_error(visitor, reply):
    response = visitor.post(rate_url(reply), {"helpful": "maybe"}, headers=HTMX)

    assert response.status_code == 422
    rating = f'<div class="rating" id="rating-{reply.public_id}">'
    assert response.text.lstrip().startswith(rating)
    assert INVALID in response.text
    assert "<html" not in response.text
    reply.refresh_from_db()
    assert reply.helpful is None


def test_invalid_rating_without_htmx_redirects(visitor, reply):
    response = visitor.post(rate_url(reply), {"helpful": "maybe"}, follow=True)

    assert response.redirect_chain == [(reverse("chat:page"), 302)]
    assert INVALID in response.text
    reply.refresh_from_db()
    assert reply.helpful is None


def test_employee_message_cannot_be_rated(visitor, reply):
    question = reply.conversation.messages.get(role=Message.Role.EMPLOYEE)

    response = visitor.post(rate_url(question), {"helpful": "yes"}, headers=HTMX)

    assert response.status_code == 404
    question.refresh_from_db()
    assert question.helpful is None


def test_reply_without_confidence_offers_no_rating(visitor, reply):
    reply.confidence = 0.8
    reply.save()
    MessageFactory(
        conversation=reply.conversation,
        role=Message.Role.ASSISTANT,
        text="You're welcome!",
        confidence=None,
    )
    session = visitor.session
    session[SESSION_KEY] = str(reply.conversation.public_id)
    session.save()

    page = visitor.get(reverse("chat:page")).content.decode()

    assert page.count('class="rating"') == 1
    assert f'id="rating-{reply.public_id}"' in page
