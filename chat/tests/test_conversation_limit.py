import pytest
from django.urls import reverse

from chat.access import SESSION_KEY
from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

URL = reverse("chat:post_message")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def full_conversation(visitor, session_key, settings):
    """Return the visitor's conversation with the employee's last allowed message."""
    settings.HELPDESK_CONVERSATION_MAX_MESSAGES = 3
    conversation = ConversationFactory(session_key=session_key)
    for _ in range(3):
        MessageFactory(conversation=conversation)
        MessageFactory(conversation=conversation, role=Message.Role.ASSISTANT)
    session = visitor.session
    session[SESSION_KEY] = str(conversation.public_id)
    session.save()
    return conversation


def test_message_below_limit_accepted(visitor, full_conversation, settings):
    settings.HELPDESK_CONVERSATION_MAX_MESSAGES = 4

    response = visitor.post(URL, {"text": "One more question"}, **HTMX)

    assert response.status_code == 200
    assert full_conversation.messages.count() == 8


def test_message_past_limit_rejected_and_kept(visitor, full_conversation):
    response = visitor.post(URL, {"text": "Printer <still> jams"}, **HTMX)

    assert response.status_code == 422
    assert full_conversation.messages.count() == 6
    assert "reached its limit of 3 messages" in response.text
    assert "start a new conversation, or create a ticket" in response.text
    assert 'id="text-error"' in response.text
    assert "Printer &lt;still&gt; jams</textarea>" in response.text


def test_limit_without_javascript_renders_page(visitor, full_conversation):
    response = visitor.post(URL, {"text": "Printer still jams"})

    assert response.status_code == 422
    assert "reached its limit of 3 messages" in response.text
    assert reverse("chat:new_conversation") in response.text
    assert reverse("tickets:create") in response.text


def test_new_conversation_after_limit_accepted(visitor, full_conversation):
    visitor.post(reverse("chat:new_conversation"))

    response = visitor.post(URL, {"text": "Printer still jams"}, **HTMX)

    assert response.status_code == 200
    assert full_conversation.messages.count() == 6
    assert Message.objects.exclude(conversation=full_conversation).count() == 2
