import pytest
from django.urls import reverse

from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("tickets:mine")


def test_anonymous_redirected_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_lists_own_tickets_only(employee_client, employee):
    own = TicketFactory(user=employee, subject="My monitor flickers")
    TicketFactory(user=UserFactory(), subject="Someone else's mouse")

    response = employee_client.get(URL)

    assert response.status_code == 200
    assert own.get_absolute_url() in response.text
    assert "My monitor flickers" in response.text
    assert "Someone else's mouse" not in response.text


def test_empty_list_offers_ticket_form(employee_client):
    response = employee_client.get(URL)

    assert reverse("tickets:create") in response.text


def test_my_tickets_page_is_not_cached(employee_client):
    response = employee_client.get(reverse("tickets:mine"))

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
