import pytest
from django.contrib.auth.models import AnonymousUser

from tickets import workflow
from tickets.models import Event, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status

ALLOWED = [
    (Status.NEW, Status.IN_PROGRESS),
    (Status.NEW, Status.WAITING),
    (Status.NEW, Status.RESOLVED),
    (Status.NEW, Status.CLOSED),
    (Status.IN_PROGRESS, Status.WAITING),
    (Status.IN_PROGRESS, Status.RESOLVED),
    (Status.IN_PROGRESS, Status.CLOSED),
    (Status.WAITING, Status.IN_PROGRESS),
    (Status.WAITING, Status.RESOLVED),
    (Status.WAITING, Status.CLOSED),
    (Status.RESOLVED, Status.CLOSED),
    (Status.RESOLVED, Status.IN_PROGRESS),
]
REJECTED = [
    (old, new)
    for old in Status
    for new in Status
    if old != new and (old, new) not in ALLOWED
]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_allowed_transition(old, new):
    assert workflow.can_change_status(old, new)


@pytest.mark.parametrize(("old", "new"), REJECTED)
def test_rejected_transition(old, new):
    assert not workflow.can_change_status(old, new)


def test_closed_allows_nothing():
    assert workflow.allowed_statuses(Status.CLOSED) == ()


def test_update_rejects_disallowed_status(staff, request_as):
    ticket = TicketFactory(status=Status.CLOSED)

    with pytest.raises(workflow.TransitionError) as caught:
        workflow.update_ticket(request_as(staff), ticket, status=Status.IN_PROGRESS)

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert not Event.objects.filter(ticket=ticket).exists()
    assert "Closed" in str(caught.value)


def test_status_change_writes_event(staff, request_as):
    ticket = TicketFactory()

    workflow.update_ticket(request_as(staff), ticket, status=Status.IN_PROGRESS)

    event = Event.objects.get(ticket=ticket)
    assert event.field == "status"
    assert event.old_value == Status.NEW
    assert event.new_value == Status.IN_PROGRESS
    assert event.actor == staff


def test_priority_and_assignee_changes_write_events(staff, other_staff, request_as):
    ticket = TicketFactory()

    workflow.update_ticket(
        request_as(staff), ticket, priority=Ticket.Priority.HIGH, assignee=other_staff
    )

    events = {event.field: event for event in Event.objects.filter(ticket=ticket)}
    assert set(events) == {"priority", "assignee"}
    assert events["priority"].new_value == Ticket.Priority.HIGH
    assert events["assignee"].old_value == ""
    assert events["assignee"].new_value == "ivan"


def test_unchanged_values_write_no_event(staff, request_as):
    ticket = TicketFactory(priority=Ticket.Priority.LOW)

    workflow.update_ticket(request_as(staff), ticket, priority=Ticket.Priority.LOW)

    assert not Event.objects.filter(ticket=ticket).exists()


def test_resolving_sets_resolved_at(staff, request_as):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    workflow.update_ticket(request_as(staff), ticket, status=Status.RESOLVED)

    ticket.refresh_from_db()
    assert ticket.resolved_at is not None


def test_reopening_clears_resolved_at(staff, request_as):
    ticket = TicketFactory(status=Status.IN_PROGRESS)
    workflow.update_ticket(request_as(staff), ticket, status=Status.RESOLVED)

    workflow.update_ticket(request_as(staff), ticket, status=Status.IN_PROGRESS)

    ticket.refresh_from_db()
    assert ticket.resolved_at is None


def test_closing_resolved_ticket_keeps_resolved_at(staff, request_as):
    ticket = TicketFactory(status=Status.IN_PROGRESS)
    workflow.update_ticket(request_as(staff), ticket, status=Status.RESOLVED)

    workflow.update_ticket(request_as(staff), ticket, status=Status.CLOSED)

    ticket.refresh_from_db()
    assert ticket.resolved_at is not None


def test_anonymous_change_has_no_actor(request_as):
    ticket = TicketFactory(status=Status.WAITING)

    workflow.add_employee_reply(request_as(AnonymousUser()), ticket, "It still fails.")

    event = Event.objects.get(ticket=ticket)
    assert event.actor is None
    assert event.new_value == Status.IN_PROGRESS


def test_reference_format():
    ticket = TicketFactory()

    assert ticket.reference == f"HD-{ticket.created_at:%Y}-{ticket.pk:05d}"


def test_employee_reply_keeps_staff_change_made_meanwhile(staff, request_as):
    ticket = TicketFactory(status=Status.WAITING)
    loaded_before = Ticket.objects.get(pk=ticket.pk)
    workflow.update_ticket(request_as(staff), ticket, priority=Ticket.Priority.HIGH)

    workflow.add_employee_reply(
        request_as(AnonymousUser()), loaded_before, "It still fails."
    )

    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.status == Status.IN_PROGRESS


def test_employee_reply_on_ticket_closed_meanwhile_rejected(staff, request_as):
    ticket = TicketFactory(status=Status.WAITING)
    loaded_before = Ticket.objects.get(pk=ticket.pk)
    workflow.update_ticket(request_as(staff), ticket, status=Status.CLOSED)

    with pytest.raises(workflow.TransitionError):
        workflow.add_employee_reply(
            request_as(AnonymousUser()), loaded_before, "It still fails."
        )

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert not ticket.comments.exists()


def test_ticket_created_resolved_gets_resolution_time(staff, request_as):
    ticket = TicketFactory.build(status=Status.RESOLVED)

    workflow.open_ticket(request_as(staff), ticket)

    ticket.refresh_from_db()
    assert ticket.resolved_at == ticket.created_at
