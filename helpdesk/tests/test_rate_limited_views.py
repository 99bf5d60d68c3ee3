import pytest
from django.urls import reverse

from chat.models import Message
from helpdesk.env import Rate
from tickets.models import Comment, Ticket
from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

CHAT_URL = reverse("chat:post_message")
TICKET_URL = reverse("tickets:create")
HTMX = {"HTTP_HX_REQUEST": "true"}
DAY = 86400


def ticket_data(**overrides):
    return {
        "requester_name": "Anna Petrova",
        "requester_email": "anna@example.com",
        "category": "",
        "subject": "Laptop does not boot",
        "description": "The screen stays black after the logo.",
        **overrides,
    }


@pytest.fixture
def one_message_a_day(settings):
    settings.HELPDESK_CHAT_RATE = Rate(1, DAY)


@pytest.fixture
def one_ticket_a_day(settings):
    settings.HELPDESK_TICKET_RATE = Rate(1, DAY)


def test_chat_over_limit_answers_429(client, one_message_a_day):
    client.post(CHAT_URL, {"text": "VPN does not connect"}, **HTMX)

    response = client.post(CHAT_URL, {"text": "Still broken"}, **HTMX)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= DAY
    assert Message.objects.count() == 2


def test_chat_over_limit_shows_message_by_text_field(client, one_message_a_day):
    client.post(CHAT_URL, {"text": "VPN does not connect"}, **HTMX)

    response = client.post(CHAT_URL, {"text": "Still broken"}, **HTMX)

    assert 'id="text-error"' in response.text
    assert "You are sending messages too fast." in response.text
    assert "Still broken</textarea>" in response.text
    assert 'hx-swap-oob="true"' in response.text


def test_chat_over_limit_without_javascript(client, one_message_a_day):
    client.post(CHAT_URL, {"text": "VPN does not connect"})

    response = client.post(CHAT_URL, {"text": "Still broken"})

    assert response.status_code == 429
    assert "You are sending messages too fast." in response.text
    assert "<!doctype html>" in response.text
    assert Message.objects.filter(text="Still broken").count() == 0


def test_chat_limit_counts_per_address(client, settings, one_message_a_day):
    client.post(CHAT_URL, {"text": "VPN does not connect"}, REMOTE_ADDR="192.0.2.1")
    client.cookies.clear()

    same_address = client.post(CHAT_URL, {"text": "Hi"}, REMOTE_ADDR="192.0.2.1")
    client.cookies.clear()
    other_address = client.post(CHAT_URL, {"text": "Hi"}, REMOTE_ADDR="192.0.2.2")

    assert same_address.status_code == 429
    assert other_address.status_code == 302


def test_chat_limit_counts_per_user(client, one_message_a_day):
    employee = UserFactory()
    client.force_login(employee)
    client.post(CHAT_URL, {"text": "VPN does not connect"}, REMOTE_ADDR="192.0.2.1")
    client.logout()
    client.force_login(employee)

    response = client.post(CHAT_URL, {"text": "Hi"}, REMOTE_ADDR="192.0.2.2")

    assert response.status_code == 429


def test_invalid_chat_message_not_counted(client, one_message_a_day):
    client.post(CHAT_URL, {"text": "  "}, **HTMX)

    response = client.post(CHAT_URL, {"text": "VPN does not connect"}, **HTMX)

    assert response.status_code == 200


def test_ticket_over_limit_answers_429(client, one_ticket_a_day):
    client.post(TICKET_URL, ticket_data())

    response = client.post(TICKET_URL, ticket_data(subject="Printer is offline"))

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= DAY
    assert Ticket.objects.count() == 1


def test_ticket_over_limit_keeps_form(client, one_ticket_a_day):
    client.post(TICKET_URL, ticket_data())

    response = client.post(
        TICKET_URL, ticket_data(subject="Printer is offline"), **HTMX
    )

    assert response.status_code == 429
    assert "You are creating tickets too fast." in response.text
    assert 'value="Printer is offline"' in response.text
    assert "The screen stays black after the logo.</textarea>" in response.text


def test_default_ticket_rate_allows_five_an_hour(client):
    # Each ticket has its own subject, because the same fields sent again
    # lead to the ticket already created.
    statuses = [
        client.post(TICKET_URL, ticket_data(subject=f"Problem {number}")).status_code
        for number in range(6)
    ]

    assert statuses == [302] * 5 + [429]
    assert Ticket.objects.count() == 5


def test_ticket_reply_over_limit_keeps_text(client, one_message_a_day):
    ticket = TicketFactory()
    url = reverse("tickets:reply", args=[ticket.tracking_token])
    client.post(url, {"body": "It still does not boot."})

    response = client.post(url, {"body": "Hello? Anyone there?"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= DAY
    assert "You are sending replies too fast." in response.text
    assert "Hello? Anyone there?</textarea>" in response.text
    assert Comment.objects.filter(ticket=ticket).count() == 1
