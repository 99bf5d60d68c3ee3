"""An interrupted reply offers to ask its question again."""

import pytest
from django.urls import reverse

from chat.access import SESSION_KEY
from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory

HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def interrupted(client):
    client.get(reverse("chat:page"))
    session = client.session
    session.save()
    conversation = ConversationFactory(session_key=session.session_key)
    MessageFactory(conversation=conversation, text="VPN does not connect")
    MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="1. Check the internet",
        status=Message.Status.INTERRUPTED,
    )
    session[SESSION_KEY] = str(conversation.public_id)
    session.save()
    return conversation


def test_interrupted_reply_offers_same_question(client, interrupted):
    response = client.get(reverse("chat:page"))

    assert 'class="ask-again"' in response.text
    assert 'name="text" value="VPN does not connect"' in response.text


def test_asking_again_keeps_typed_message(client, interrupted):
    response = client.post(
        reverse("chat:post_message"),
        {"text": "VPN does not connect", "again": "1"},
        **HTMX,
    )

    assert response.status_code == 200
    assert interrupted.messages.filter(role=Message.Role.EMPLOYEE).count() == 2
    assert 'id="message-form"' not in response.text


def test_complete_reply_offers_no_repeat(client, interrupted):
    interrupted.messages.filter(role=Message.Role.ASSISTANT).update(
        status=Message.Status.COMPLETE
    )

    response = client.get(reverse("chat:page"))

    assert 'class="ask-again"' not in response.text
