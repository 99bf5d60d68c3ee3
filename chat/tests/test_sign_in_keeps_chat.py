"""Signing in keeps the conversation the employee started anonymously."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from chat.models import Conversation

HTMX = {"HTTP_HX_REQUEST": "true"}
PASSWORD = "a-long-test-password-42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def employee():
    return get_user_model().objects.create_user(
        username="anna", email="anna@example.com", password=PASSWORD
    )


def test_sign_in_keeps_open_conversation(client, employee):
    client.post(reverse("chat:post_message"), {"text": "VPN does not connect"}, **HTMX)

    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert conversation.user == employee
    assert "VPN does not connect" in client.get(reverse("chat:page")).text


def test_sign_in_takes_no_one_elses_conversation(client, employee):
    other = get_user_model().objects.create_user(username="boris", password=PASSWORD)
    client.force_login(other)
    client.post(reverse("chat:post_message"), {"text": "Printer jams"}, **HTMX)
    client.logout()

    client.post(reverse("login"), {"username": "anna", "password": PASSWORD})

    assert Conversation.objects.get().user == other
    assert "Printer jams" not in client.get(reverse("chat:page")).text
