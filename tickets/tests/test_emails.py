import logging

import pytest
from django.core import mail
from django.urls import reverse

from tickets import workflow
from tickets.models import Comment, Ticket
from tickets.tests.factories import CommentFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status

TICKET_DATA = {
    "requester_name": "Anna Petrova",
    "requester_email": "anna@example.com",
    "subject": "Laptop does not boot",
    "description": "The screen stays black after the logo.",
}


def test_creation_mails_tracking_link(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:create"), TICKET_DATA)

    ticket = Ticket.objects.get()
    [message] = mail.outbox
    assert message.to == ["anna@example.com"]
    assert ticket.reference in message.subject
    assert f"http://testserver{ticket.get_absolute_url()}" in message.body


def test_no_mail_before_commit(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("tickets:create"), TICKET_DATA)

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_staff_reply_mails_employee(
    staff, request_as, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()
    comment = CommentFactory(ticket=ticket, body="Please restart the laptop.")

    with django_capture_on_commit_callbacks(execute=True):
        workflow.add_staff_comment(request_as(staff), ticket, comment)

    [message] = mail.outbox
    assert message.to == [ticket.requester_email]
    assert "Please restart the laptop." in message.body


def test_internal_note_sends_nothing(
    staff, request_as, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()
    note = CommentFactory(ticket=ticket, kind=Comment.Kind.INTERNAL_NOTE)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.add_staff_comment(request_as(staff), ticket, note)

    assert mail.outbox == []


def test_resolution_mails_employee(
    staff, request_as, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.update_ticket(request_as(staff), ticket, status=Status.RESOLVED)

    [message] = mail.outbox
    assert message.to == [ticket.requester_email]
    assert "resolved" in message.subject


def test_subject_header_drops_stored_control_characters(
    staff, request_as, django_capture_on_commit_callbacks
):
    # Tickets stored before the forms rejected these characters still contain them.
    ticket = TicketFactory(
        status=Status.IN_PROGRESS,
        subject="ctrl \x1b[31mred\x07 \u202eevil\x85Bcc: x@example.com\x7f",
    )

    with django_capture_on_commit_callbacks(execute=True):
        workflow.update_ticket(request_as(staff), ticket, status=Status.RESOLVED)

    [message] = mail.outbox
    expected = (
        f"[{ticket.reference}] Ticket resolved: ctrl [31mred evil Bcc: x@example.com"
    )
    assert message.subject == expected
    assert str(message.message()["Subject"]) == expected
    assert "Subject: ctrl [31mred evil Bcc: x@example.com\n" in message.body
    assert "\x1b" not in message.body


def test_assignment_mails_assignee(
    staff, other_staff, request_as, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.update_ticket(request_as(staff), ticket, assignee=other_staff)

    [message] = mail.outbox
    assert message.to == ["ivan@example.com"]
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in message.body


def test_self_assignment_sends_nothing(
    staff, request_as, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.update_ticket(request_as(staff), ticket, assignee=staff)

    assert mail.outbox == []


def test_employee_reply_mails_assignee(
    client, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.WAITING, assignee=staff)
    url = reverse("tickets:reply", args=[ticket.tracking_token])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"body": "It is the left one."})

    [message] = mail.outbox
    assert message.to == ["olga@example.com"]
    assert "It is the left one." in message.body


STAFF_EMAILS = ["it@example.com", "oncall@example.com"]


def test_creation_mails_staff_mailboxes(
    client, settings, django_capture_on_commit_callbacks
):
    settings.HELPDESK_STAFF_EMAILS = STAFF_EMAILS

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:create"), TICKET_DATA, HTTP_ACCEPT_LANGUAGE="ru")

    ticket = Ticket.objects.get()
    employee, *team = mail.outbox
    assert employee.to == ["anna@example.com"]
    assert [message.to for message in team] == [[address] for address in STAFF_EMAILS]
    assert team[0].subject == f"[{ticket.reference}] New ticket: Laptop does not boot"
    assert "The screen stays black after the logo." in team[0].body
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in team[0].body


def test_reply_on_unassigned_ticket_mails_staff_mailboxes(
    client, settings, django_capture_on_commit_callbacks
):
    settings.HELPDESK_STAFF_EMAILS = STAFF_EMAILS[:1]
    ticket = TicketFactory(status=Status.WAITING)
    url = reverse("tickets:reply", args=[ticket.tracking_token])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"body": "It is the left one."})

    [message] = mail.outbox
    assert message.to == ["it@example.com"]
    assert "It is the left one." in message.body


def test_reply_on_unassigned_ticket_without_mailboxes_is_logged(
    client, caplog, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.WAITING)
    url = reverse("tickets:reply", args=[ticket.tracking_token])

    with (
        caplog.at_level(logging.INFO, logger="tickets.emails"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url, {"body": "It is the left one."})

    assert mail.outbox == []
    assert "HELPDESK_STAFF_EMAILS is empty" in caplog.text


def test_failing_mail_server_keeps_ticket(
    client, failing_mail, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tickets:create"), TICKET_DATA)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.events.count() == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert ticket.reference in record.getMessage()
    assert "ConnectionRefusedError" in record.getMessage()


def test_logs_contain_no_addresses(client, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:create"), TICKET_DATA)

    messages = [record.getMessage() for record in caplog.records]
    assert any("notification sent" in message for message in messages)
    assert not any("@" in message for message in messages)
