import importlib

import pytest
from django.apps import apps

from tickets.models import Event, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status

resolution_time_migration = importlib.import_module(
    "tickets.migrations.0004_ticket_language_resolved_at"
)


def ticket_with_history(*statuses):
    """Create a ticket without a resolution time whose status went through
    ``statuses``, the first one at creation."""
    ticket = TicketFactory(status=statuses[-1])
    old_value = ""
    for status in statuses:
        Event.objects.create(
            ticket=ticket, field="status", old_value=old_value, new_value=status
        )
        old_value = status
    return ticket


@pytest.mark.parametrize(
    ("statuses", "expected_set"),
    [
        ((Status.RESOLVED,), True),
        ((Status.RESOLVED, Status.CLOSED), True),
        ((Status.RESOLVED, Status.IN_PROGRESS, Status.CLOSED), False),
        ((Status.NEW, Status.CLOSED), False),
        ((Status.CLOSED,), False),
    ],
)
def test_migration_sets_resolution_time_of_created_resolved(statuses, expected_set):
    ticket = ticket_with_history(*statuses)

    resolution_time_migration.set_resolution_time_of_created_resolved(apps, None)

    ticket.refresh_from_db()
    expected = ticket.created_at if expected_set else None
    assert ticket.resolved_at == expected
