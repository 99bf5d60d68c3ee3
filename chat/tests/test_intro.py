"""The intro text goes when the first question is posted, and only then."""

import pytest
from django.urls import reverse

HTMX = {"HTTP_HX_REQUEST": "true"}
DELETE_INTRO = 'id="chat-intro" hx-swap-oob="delete"'

pytestmark = pytest.mark.django_db


def post_question(client, text):
    return client.post(reverse("chat:post_message"), {"text": text}, **HTMX)


def test_first_question_removes_intro(client):
    assert 'id="chat-intro"' in client.get(reverse("chat:page")).text

    response = post_question(client, "VPN does not connect")

    assert DELETE_INTRO in response.text


def test_later_questions_leave_no_swap_without_target(client):
    post_question(client, "VPN does not connect")

    response = post_question(client, "Still nothing")

    assert response.status_code == 200
    assert DELETE_INTRO not in response.text
