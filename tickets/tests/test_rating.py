"""Ratings of a ticket that is reopened and resolved again."""

import pytest
from django.urls import reverse

from tickets import workflow
from tickets.models import EarlierRating, Ticket
from tickets.tests.factories import TicketFactory
from tickets.tests.test_admin import change_form_data, change_url

pytestmark = pytest.mark.django_db

Status = Ticket.Status


def rating_url(ticket):
    return reverse("tickets:rate", args=[ticket.tracking_token])


def reply_url(ticket):
    return reverse("tickets:reply", args=[ticket.tracking_token])


@pytest.fixture
def resolve(staff, request_as):
    """Return a function that resolves a ticket as staff do."""

    def resolve_ticket(ticket):
        ticket.refresh_from_db()
        workflow.update_ticket(request_as(staff), ticket, status=Status.RESOLVED)

    return resolve_ticket


@pytest.fixture
def rated_ticket(client, resolve):
    """Return a function that creates a resolved ticket the employee rated."""

    def create(rating="2", comment="The printer is still offline."):
        ticket = TicketFactory(status=Status.IN_PROGRESS)
        resolve(ticket)
        client.post(rating_url(ticket), {"rating": rating, "comment": comment})
        ticket.refresh_from_db()
        assert ticket.rating == int(rating)
        return ticket

    return create


def reopen(client, ticket, body="It broke again."):
    """Reopen ``ticket`` with the employee's reply, as its page does."""
    client.post(reply_url(ticket), {"body": body})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_reply_reopening_moves_rating(client, rated_ticket):
    ticket = rated_ticket()
    resolved_at = ticket.resolved_at

    reopen(client, ticket)

    earlier = EarlierRating.objects.get(ticket=ticket)
    assert ticket.rating is None
    assert ticket.rating_comment == ""
    assert earlier.rating == 2
    assert earlier.comment == "The printer is still offline."
    assert earlier.resolved_at == resolved_at
    assert earlier.reopened_at is not None


def test_new_resolution_can_be_rated(client, rated_ticket, resolve):
    ticket = rated_ticket()
    reopen(client, ticket)
    resolve(ticket)

    page = client.get(ticket.get_absolute_url()).text
    response = client.post(rating_url(ticket), {"rating": "5"}, follow=True)

    ticket.refresh_from_db()
    assert rating_url(ticket) in page
    assert ticket.can_be_rated is False
    assert ticket.rating == 5
    assert "Thank you for rating" in response.text
    assert EarlierRating.objects.get(ticket=ticket).rating == 2


def test_reopened_ticket_shows_no_rating(client, rated_ticket):
    ticket = rated_ticket()

    reopen(client, ticket)
    page = client.get(ticket.get_absolute_url()).text

    assert "You rated the help" not in page
    assert rating_url(ticket) not in page


def test_second_reopening_keeps_both_ratings(client, rated_ticket, resolve):
    ticket = rated_ticket()
    reopen(client, ticket)
    resolve(ticket)
    client.post(rating_url(ticket), {"rating": "4"})

    reopen(client, ticket, body="And again.")

    ratings = list(EarlierRating.objects.filter(ticket=ticket))
    assert [earlier.rating for earlier in ratings] == [2, 4]


def test_closing_keeps_rating(rated_ticket, staff, request_as):
    ticket = rated_ticket()

    workflow.update_ticket(request_as(staff), ticket, status=Status.CLOSED)

    ticket.refresh_from_db()
    assert ticket.rating == 2
    assert not EarlierRating.objects.exists()


def test_unrated_reopening_archives_nothing(client):
    ticket = TicketFactory(status=Status.RESOLVED)

    reopen(client, ticket)

    assert not EarlierRating.objects.exists()


def test_admin_reopening_moves_rating(client, staff, rated_ticket):
    ticket = rated_ticket()
    client.force_login(staff)
    form = client.get(change_url(ticket))

    client.post(change_url(ticket), change_form_data(form, status=Status.IN_PROGRESS))

    ticket.refresh_from_db()
    assert ticket.rating is None
    assert EarlierRating.objects.get(ticket=ticket).rating == 2


def test_admin_shows_earlier_rating(client, staff, rated_ticket):
    ticket = rated_ticket(comment="Took three days.")
    reopen(client, ticket)
    client.force_login(staff)

    page = client.get(change_url(ticket)).text

    assert "Earlier ratings" in page
    assert "Took three days." in page


def test_older_copy_keeps_new_rating(client, staff, request_as):
    ticket = TicketFactory(status=Status.RESOLVED)
    # Another request loaded the ticket before the employee rated it.
    older_copy = Ticket.objects.get(pk=ticket.pk)
    client.post(rating_url(ticket), {"rating": "3"})

    workflow.update_ticket(request_as(staff), older_copy, priority="high")

    ticket.refresh_from_db()
    assert ticket.priority == "high"
    assert ticket.rating == 3


def test_older_copy_reopening_archives_new_rating(client, staff, request_as):
    ticket = TicketFactory(status=Status.RESOLVED)
    older_copy = Ticket.objects.get(pk=ticket.pk)
    client.post(rating_url(ticket), {"rating": "3", "comment": "Slow."})

    workflow.update_ticket(request_as(staff), older_copy, status=Status.IN_PROGRESS)

    ticket.refresh_from_db()
    earlier = EarlierRating.objects.get(ticket=ticket)
    assert ticket.rating is None
    assert earlier.rating == 3
    assert earlier.comment == "Slow."
