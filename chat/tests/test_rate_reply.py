"""An employee rates a reply of the assistant as helpful or not."""

import pytest
from django.urls import reverse

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
