"""The ticket tracking page runs a fixed number of queries however big the tables.

The test counts queries once with a few rows and again after bulk-creating
2,000 tickets with comments and status events, 1,000 articles and more
comments and events on the ticket shown. These sizes keep the test fast. The
property checked, a query count that does not grow with the tables, is what
lets the same page serve 100,000 tickets and 10,000 articles.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge.models import Article
from knowledge.tests.factories import CategoryFactory
from tickets.models import Comment, Event, Ticket
from tickets.tests.factories import CommentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def add_history(ticket, staff, count):
    """Add count public replies, internal notes and status events to ticket."""
    Comment.objects.bulk_create(
        Comment(ticket=ticket, kind=kind, author=staff, body=f"Reply {number}")
        for number in range(count)
        for kind in (Comment.Kind.STAFF_REPLY, Comment.Kind.INTERNAL_NOTE)
    )
    Event.objects.bulk_create(
        Event(
            ticket=ticket,
            actor=staff,
            field="status",
            old_value=Ticket.Status.NEW,
            new_value=Ticket.Status.IN_PROGRESS,
        )
        for _ in range(count)
    )


def add_many_rows():
    tickets = Ticket.objects.bulk_create(
        Ticket(
            subject=f"Printer on floor {number} is offline",
            description="The printer shows a red light and prints nothing.",
            requester_name="Anna Petrova",
            requester_email=f"anna{number}@example.com",
        )
        for number in range(2_000)
    )
    Comment.objects.bulk_create(
        Comment(ticket=ticket, kind=Comment.Kind.STAFF_REPLY, body="Restart it.")
        for ticket in tickets
    )
    Event.objects.bulk_create(
        Event(ticket=ticket, field="status", new_value=Ticket.Status.NEW)
        for ticket in tickets
    )
    category = CategoryFactory(slug="printing")
    Article.objects.bulk_create(
        Article(
            category=category,
            title=f"Printer {number} does not print",
            problem="The printer shows a red light.",
            solution="1. Restart the printer.",
        )
        for number in range(1_000)
    )


def test_detail_queries_do_not_grow_with_tables(
    client, staff, django_assert_num_queries
):
    ticket = TicketFactory(subject="Printer jams")
    CommentFactory(ticket=ticket, author=staff, body="Please restart the printer.")
    add_history(ticket, staff, 2)
    url = reverse("tickets:detail", args=[ticket.tracking_token])
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200

    add_many_rows()
    add_history(ticket, staff, 50)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert "Printer jams" in response.text
    assert "Reply 49" in response.text
