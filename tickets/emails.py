"""E-mail notifications about tickets, sent after the transaction commits.

Sending is best effort: a failing mail server is logged with the ticket
reference and never rolls back or breaks the request that changed the ticket.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from helpdesk.validators import to_single_line

logger = logging.getLogger(__name__)


def tracking_url(request, ticket):
    return request.build_absolute_uri(ticket.get_absolute_url())


def admin_url(request, ticket):
    path = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    return request.build_absolute_uri(path)


def notify_created(request, ticket, replies=()):
    """Send the employee the tracking link of a new ticket, and tell the team.

    Staff can create a ticket as resolved or closed, as after a phone call,
    and ``replies`` are staff replies saved with it.
    """
    if ticket.status == ticket.Status.RESOLVED:
        subject = _("[%(reference)s] Ticket resolved: %(subject)s")
    elif ticket.status == ticket.Status.CLOSED:
        subject = _("[%(reference)s] Ticket closed: %(subject)s")
    else:
        subject = _("[%(reference)s] Ticket received: %(subject)s")
    send_to_employee(
        "created",
        ticket,
        subject,
        {"url": tracking_url(request, ticket), "replies": replies},
    )
    send_to_staff_mailboxes(
        "new_ticket",
        ticket,
        _("[%(reference)s] New ticket: %(subject)s"),
        {"url": admin_url(request, ticket)},
    )


def notify_staff_reply(request, ticket, comment):
    send_to_employee(
        "staff_reply",
        ticket,
        _("[%(reference)s] IT staff replied: %(subject)s"),
        {"url": tracking_url(request, ticket), "comment": comment},
    )


def notify_resolved(request, ticket, replies=()):
    """Tell the employee that the ticket is resolved, with the staff replies
    saved with the resolution."""
    send_to_employee(
        "resolved",
        ticket,
        _("[%(reference)s] Ticket resolved: %(subject)s"),
        {"url": tracking_url(request, ticket), "replies": replies},
    )


def notify_closed(request, ticket, replies=()):
    """Tell the employee that the ticket is closed, with the staff replies
    saved with the closure."""
    send_to_employee(
        "closed",
        ticket,
        _("[%(reference)s] Ticket closed: %(subject)s"),
        {
            "url": tracking_url(request, ticket),
            "new_ticket_url": request.build_absolute_uri(reverse("tickets:create")),
            "replies": replies,
        },
    )


def notify_new_link(request, ticket):
    send_to_employee(
        "new_link",
        ticket,
        _("[%(reference)s] New link to your ticket: %(subject)s"),
        {"url": tracking_url(request, ticket)},
    )


def notify_assigned(request, ticket):
    send_after_commit(
        "assigned",
        ticket,
        ticket.assignee.email,
        _("[%(reference)s] Assigned to you: %(subject)s"),
        {"url": admin_url(request, ticket)},
    )


def notify_employee_reply(request, ticket, comment):
    subject = _("[%(reference)s] The employee replied: %(subject)s")
    context = {"url": admin_url(request, ticket), "comment": comment}
    if ticket.assignee is None:
        send_to_staff_mailboxes("employee_reply", ticket, subject, context)
        return
    send_after_commit("employee_reply", ticket, ticket.assignee.email, subject, context)


def send_to_staff_mailboxes(kind, ticket, subject, context):
    """Send to each address of HELPDESK_STAFF_EMAILS in LANGUAGE_CODE.

    The active language is the employee's, which the team may not read.
    """
    if not settings.HELPDESK_STAFF_EMAILS:
        logger.info(
            "Ticket %s: %s notification skipped, HELPDESK_STAFF_EMAILS is empty",
            ticket.reference,
            kind,
        )
        return
    for address in settings.HELPDESK_STAFF_EMAILS:
        send_after_commit(
            kind, ticket, address, subject, context, language=settings.LANGUAGE_CODE
        )


def send_to_employee(kind, ticket, subject, context):
    """Send in the language the employee created the ticket in.

    Staff replies and resolutions happen in a staff member's request, whose
    language may differ from the employee's.
    """
    send_after_commit(
        kind,
        ticket,
        ticket.requester_email,
        subject,
        context,
        language=ticket.language or None,
    )


def send_after_commit(kind, ticket, recipient, subject, context, language=None):
    """Render templates/emails/tickets/<kind>.txt and send it once the
    current transaction commits.

    ``subject`` is a lazy translation with %(reference)s and %(subject)s
    placeholders. ``language`` defaults to the active language.
    """
    if not recipient:
        logger.info(
            "Ticket %s: %s notification skipped, no address", ticket.reference, kind
        )
        return

    language = language or translation.get_language()
    # Header values cannot contain line breaks. Tickets stored before the
    # forms rejected control and directional formatting characters may
    # contain those as well, and the body shows the same cleaned subject.
    one_line_subject = to_single_line(ticket.subject)
    context = {**context, "ticket": ticket, "subject_line": one_line_subject}

    def send():
        try:
            with translation.override(language):
                values = {"reference": ticket.reference, "subject": one_line_subject}
                body = render_to_string(f"emails/tickets/{kind}.txt", context)
                EmailMessage(str(subject) % values, body, to=[recipient]).send()
        except Exception as error:
            # Catch any backend error, SMTP or otherwise, because the ticket
            # is already saved. The traceback goes to DEBUG only, because
            # smtplib errors quote the recipient's address.
            logger.error(
                "Ticket %s: %s notification failed: error_type=%s smtp_code=%s",
                ticket.reference,
                kind,
                type(error).__name__,
                getattr(error, "smtp_code", "-"),
            )
            logger.debug(
                "Ticket %s: %s notification traceback",
                ticket.reference,
                kind,
                exc_info=True,
            )
        else:
            logger.info("Ticket %s: %s notification sent", ticket.reference, kind)

    transaction.on_commit(send)
