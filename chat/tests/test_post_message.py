import pytest
from django.urls import reverse

from chat.models import Conversation, Message

pytestmark = pytest.mark.django_db

URL = reverse("chat:post_message")
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_htmx_post_stores_question_and_pending_reply(visitor):
    response = visitor.post(URL, {"text": "VPN does not connect"}, **HTMX)

    assert response.status_code == 200
    question, reply = Message.objects.order_by("created_at", "pk")
    assert question.role == Message.Role.EMPLOYEE
    assert question.text == "VPN does not connect"
    assert reply.role == Message.Role.ASSISTANT
    assert reply.status == Message.Status.PENDING


def test_htmx_post_returns_bubble_that_opens_stream(visitor):
    response = visitor.post(URL, {"text": "VPN does not connect"}, **HTMX)

    reply = Message.objects.get(role=Message.Role.ASSISTANT)
    stream_url = reverse("chat:stream", args=[reply.public_id])
    assert f'sse-connect="{stream_url}"' in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()


def test_follow_up_joins_same_conversation(visitor):
    visitor.post(URL, {"text": "VPN does not connect"}, **HTMX)
    visitor.post(URL, {"text": "Still broken"}, **HTMX)

    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 4


def test_empty_message_is_rejected(visitor):
    response = visitor.post(URL, {"text": "   "}, **HTMX)

    assert response.status_code == 422
    assert "Type your question first." in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()
    assert Message.objects.count() == 0


def test_too_long_message_is_rejected_and_kept(visitor):
    text = "x" * 4001

    response = visitor.post(URL, {"text": text}, **HTMX)

    assert response.status_code == 422
    assert "too long" in response.content.decode()
    assert text in response.content.decode()
    assert Message.objects.count() == 0


def test_message_box_leaves_limit_to_server(client, db):
    response = client.get(reverse("chat:page"))

    field = str(response.context["form"]["text"])
    assert " maxlength=" not in field
    assert 'data-max-length="4000"' in field


def test_too_long_message_error_names_lengths(visitor):
    response = visitor.post(URL, {"text": "y" * 4412}, **HTMX)

    [error] = response.context["form"].errors["text"]
    assert "at most 4000 characters (it has 4412)" in error


def test_unknown_category_is_rejected(visitor):
    response = visitor.post(URL, {"text": "help", "category": "nope"}, **HTMX)

    assert response.status_code == 422
    assert Message.objects.count() == 0


def test_category_is_stored_on_conversation(visitor, vpn_article):
    visitor.post(URL, {"text": "VPN", "category": "network"}, **HTMX)

    assert Conversation.objects.get().category.slug == "network"


def test_post_without_javascript_answers_in_request(visitor, vpn_article):
    response = visitor.post(URL, {"text": "VPN does not connect"})

    assert response.status_code == 302
    reply = Message.objects.get(role=Message.Role.ASSISTANT)
    assert reply.status == Message.Status.COMPLETE
    assert "Restart the VPN client" in reply.text


def test_new_conversation_starts_over(visitor):
    visitor.post(URL, {"text": "VPN does not connect"}, **HTMX)

    visitor.post(reverse("chat:new_conversation"))
    visitor.post(URL, {"text": "Printer jams"}, **HTMX)

    assert Conversation.objects.count() == 2


def test_page_shows_own_conversation_only(client, visitor):
    visitor.post(URL, {"text": "my secret printer question"}, **HTMX)
    client.cookies.clear()

    response = client.get(reverse("chat:page"))

    assert "my secret printer question" not in response.content.decode()


def test_invisible_characters_only_are_rejected(client):
    response = client.post(
        reverse("chat:post_message"),
        {"text": "\u200b\u200b \u2060\ufeff"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert "Type your question first." in response.text
    assert not Message.objects.exists()


@pytest.mark.parametrize("text", ["Printer broken\x85", "\x1cPrinter broken", "\x85"])
def test_control_character_at_end_is_rejected(visitor, text):
    response = visitor.post(URL, {"text": text}, **HTMX)

    assert response.status_code == 422
    assert "The message contains invisible control characters" in response.text
    assert Message.objects.count() == 0


def test_control_characters_are_rejected_and_kept(visitor):
    text = "VPN \x1b[31mdown\x1b[0m\x07 since <9:00>"

    response = visitor.post(URL, {"text": text}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 422
    assert "The message contains invisible control characters" in body
    assert "(U+001B, U+0007)" in body
    assert 'id="text-error"' in body
    assert text.replace("<", "&lt;").replace(">", "&gt;") in body
    assert Message.objects.count() == 0
