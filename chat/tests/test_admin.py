import pytest
from django.urls import reverse

from chat.models import Message
from chat.tests.factories import MessageFactory
from tickets.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def reply():
    return MessageFactory(
        role=Message.Role.ASSISTANT, text="Restart the **VPN** client."
    )


def test_message_page_shows_text_not_stored_html(staff_client, reply):
    url = reverse("admin:chat_message_change", args=[reply.pk])

    response = staff_client.get(url)

    assert response.status_code == 200
    assert "Restart the **VPN** client." in response.text
    assert "text as HTML" not in response.text
    assert "&lt;strong&gt;VPN&lt;/strong&gt;" not in response.text


def test_conversation_page_shows_messages(staff_client, reply):
    url = reverse("admin:chat_conversation_change", args=[reply.conversation.pk])

    response = staff_client.get(url)

    assert response.status_code == 200
    assert "Restart the **VPN** client." in response.text
    assert "&lt;strong&gt;VPN&lt;/strong&gt;" not in response.text
