"""Status rules and the writes that every ticket change goes through.

The admin form, the admin actions and the employee's tracking page all call
these functions, so history, timestamps and notifications stay consistent.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.intent import is_closing
from tickets import emails
from tickets.models import (
    Comment,
    EarlierRating,
    Event,
    Ticket,
    new_tracking_token,
)

logger = logging.getLogger(__name__)

Status = Ticket.Status

TRANSITIONS = {
    Status.NEW: (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.WAITING: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (),
}

TRACKED_FIELDS = ("status", "priority", "assignee")
# Statuses whose ticket the employee can rate. Leaving them for an open
# status reopens the ticket.
RATED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class TransitionError(Exception):
    def __init__(self, old_status, new_status):
        self.old_status = old_status
        self.new_status = new_status
        super().__init__(transition_error_message(old_status, new_status))


def allowed_statuses(status):
    """Return the statuses a ticket in this status can move to."""
    return TRANSITIONS[status]


def can_change_status(old_status, new_status):
    return new_status in TRANSITIONS[old_status]


def transition_error_message(old_status, new_status):
    allowed = ", ".join(str(Status(s).label) for s in TRANSITIONS[old_status])
    return _(
        "A ticket cannot move from “%(old)s” to “%(new)s”. Allowed next statuses: "
        "%(allowed)s."
    ) % {
        "old": Status(old_status).label,
        "new": Status(new_status).label,
        "allowed": allowed or _("none, the ticket is closed"),
    }


def acting_user(request):
    return request.user if request.user.is_authenticated else None


def open_ticket(request, ticket, notify=True):
    """Save a new ticket with its first history entry and notify the employee.

    With ``notify=False`` the caller sends the e-mails with notify_opened,
    for example once the staff replies saved with the ticket exist.
    """
    actor = acting_user(request)
    with transaction.atomic():
        ticket.save()
        if ticket.status == Status.RESOLVED:
            # Staff created the ticket as resolved, as after a phone call.
            ticket.resolved_at = ticket.created_at
            ticket.save(update_fields=["resolved_at"])
        Event.objects.create(
            ticket=ticket, field="status", new_value=ticket.status, actor=actor
        )
    logger.info("Ticket %s created", ticket.reference)
    if notify:
        notify_opened(request, ticket)


def notify_opened(request, ticket, replies=()):
    """Send the e-mails about a new ticket.

    ``replies`` are staff replies saved with the ticket. They go into the
    employee's e-mail, whose text differs for a ticket created as resolved
    or closed.
    """
    emails.notify_created(request, ticket, replies)
    if ticket.assignee not in (None, acting_user(request)):
        emails.notify_assigned(request, ticket)


def snapshot(ticket):
    """Return the current values of the fields whose changes go into history."""
    return {field: getattr(ticket, field) for field in TRACKED_FIELDS}


def update_ticket(request, ticket, **changes):
    """Set new status, priority or assignee values and save them with history.

    Raises TransitionError when the new status is not allowed from the
    current one.
    """
    new_status = changes.get("status", ticket.status)
    if new_status != ticket.status and not can_change_status(ticket.status, new_status):
        raise TransitionError(ticket.status, new_status)

    previous = snapshot(ticket)
    for field, value in changes.items():
        setattr(ticket, field, value)
    save_with_history(request, ticket, previous)


def save_with_history(request, ticket, previous, notify=True):
    """Save the ticket, writing an Event for each tracked field that changed.

    ``previous`` maps each of TRACKED_FIELDS to its value before the change.
    The caller has checked the status transition. Returns the names of the
    changed fields. With ``notify=False`` the caller sends the e-mails with
    notify_changes.
    """
    changed = [
        field for field in TRACKED_FIELDS if previous[field] != getattr(ticket, field)
    ]
    reopened = (
        "status" in changed
        and previous["status"] in RATED_STATUSES
        and ticket.status in Ticket.OPEN_STATUSES
    )
    rated_resolution_at = ticket.resolved_at
    if "status" in changed:
        set_status_timestamps(ticket)

    actor = acting_user(request)
    with transaction.atomic():
        keep_stored_rating(ticket)
        archived_rating = ticket.rating if reopened else None
        if archived_rating is not None:
            archive_rating(ticket, rated_resolution_at)
        ticket.save()
        Event.objects.bulk_create(
            Event(
                ticket=ticket,
                field=field,
                old_value=history_value(previous[field]),
                new_value=history_value(getattr(ticket, field)),
                actor=actor,
            )
            for field in changed
        )

    if changed:
        logger.info("Ticket %s: %s changed", ticket.reference, ", ".join(changed))
    if archived_rating is not None:
        logger.info(
            "Ticket %s reopened: its rating %s moved to the earlier ratings",
            ticket.reference,
            archived_rating,
        )
    if notify:
        notify_changes(request, ticket, previous, changed)
    return changed


def notify_changes(request, ticket, previous, changed, replies=()):
    """Send the e-mails about a saved change of the tracked fields.

    ``changed`` is what save_with_history returned, and ``replies`` are the
    staff replies saved with the change. The employee gets an e-mail about a
    resolution, and about a closure unless the ticket was resolved before,
    because the resolution e-mail covered that. Replies go into that
    e-mail, so the employee reads the fix with the news and not after it.
    Otherwise each reply goes in an e-mail of its own.
    """
    status_changed = "status" in changed
    if status_changed and ticket.status == Status.RESOLVED:
        emails.notify_resolved(request, ticket, replies)
    elif (
        status_changed
        and ticket.status == Status.CLOSED
        and (previous["status"] != Status.RESOLVED or replies)
    ):
        emails.notify_closed(request, ticket, replies)
    else:
        for reply in replies:
            emails.notify_staff_reply(request, ticket, reply)
    if "assignee" in changed and ticket.assignee not in (None, acting_user(request)):
        emails.notify_assigned(request, ticket)


def keep_stored_rating(ticket):
    """Lock the ticket's row and copy its stored rating onto ``ticket``.

    The employee may rate the ticket after another request loaded it, and
    saving that request's copy would otherwise write back the rating it
    loaded. rate_ticket locks the same row, so the two wait for each other.
    """
    stored = (
        Ticket.objects.select_for_update()
        .values("rating", "rating_comment")
        .get(pk=ticket.pk)
    )
    ticket.rating = stored["rating"]
    ticket.rating_comment = stored["rating_comment"]


def archive_rating(ticket, resolved_at):
    """Move the rating of a reopened ticket to its earlier ratings.

    The rating belongs to the resolution that was just reopened, so the next
    resolution can be rated afresh, and staff still see the earlier one.
    The caller saves ``ticket``.
    """
    EarlierRating.objects.create(
        ticket=ticket,
        rating=ticket.rating,
        comment=ticket.rating_comment,
        resolved_at=resolved_at,
    )
    ticket.rating = None
    ticket.rating_comment = ""


def set_status_timestamps(ticket):
    if ticket.status == Status.RESOLVED:
        ticket.resolved_at = timezone.now()
    elif ticket.status != Status.CLOSED:
        # A reopened ticket is no longer resolved. Its earlier resolution
        # stays in the history.
        ticket.resolved_at = None


def history_value(value):
    if value is None:
        return ""
    if hasattr(value, "get_username"):
        return value.get_username()
    return str(value)


def accepts_comments(status):
    """Return whether a ticket in this status takes new replies and notes.

    A closed ticket is final: no status leads out of "closed", so work that
    goes on belongs in a new ticket.
    """
    return status != Status.CLOSED


def add_staff_comment(request, ticket, comment, notify=True):
    """Finish a saved staff reply or internal note.

    A reply to the employee sets the first response time and sends the
    employee an e-mail, unless ``notify`` is False. An internal note does
    neither.
    """
    if comment.kind != Comment.Kind.STAFF_REPLY:
        return
    if ticket.first_response_at is None:
        ticket.first_response_at = comment.created_at
        ticket.save(update_fields=["first_response_at", "updated_at"])
    if notify:
        emails.notify_staff_reply(request, ticket, comment)


def add_employee_reply(request, ticket, body):
    """Store the employee's reply and hand the ticket back to staff.

    A ticket waiting for the employee, or a resolved one, moves to "in
    progress", except a resolved one that the reply only thanks for. Raises
    TransitionError for a closed ticket.
    """
    with transaction.atomic():
        # Staff may have changed the ticket since it was loaded. Saving the
        # old copy would undo that, so reload it under the row lock that the
        # admin's change form also takes.
        ticket.refresh_from_db(from_queryset=Ticket.objects.select_for_update())
        if not accepts_comments(ticket.status):
            raise TransitionError(ticket.status, Status.IN_PROGRESS)
        reopens = ticket.status == Status.WAITING or (
            ticket.status == Status.RESOLVED and not is_closing(body)
        )
        comment = ticket.comments.create(
            kind=Comment.Kind.EMPLOYEE_REPLY, author=acting_user(request), body=body
        )
        if reopens:
            update_ticket(request, ticket, status=Status.IN_PROGRESS)
        else:
            ticket.save(update_fields=["updated_at"])
    logger.info("Ticket %s: employee reply %s added", ticket.reference, comment.pk)
    emails.notify_employee_reply(request, ticket, comment)
    return comment


def rate_ticket(ticket, rating, comment):
    """Store the employee's rating of the ticket's current resolution.

    Returns False, changing nothing, when the ticket is not resolved or this
    resolution is already rated.
    """
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if not locked.can_be_rated:
            return False
        locked.rating = rating
        locked.rating_comment = comment
        locked.save(update_fields=["rating", "rating_comment", "updated_at"])
    ticket.rating = rating
    ticket.rating_comment = comment
    logger.info("Ticket %s rated %s", ticket.reference, rating)
    return True


def replace_tracking_link(request, ticket):
    """Revoke the ticket's tracking link and e-mail a new one to the requester.

    Requests to the old link return 404 from then on. The ticket, its thread and its
    history stay, and "My tickets" links to the new address.
    """
    with transaction.atomic():
        ticket.tracking_token = new_tracking_token()
        ticket.save(update_fields=["tracking_token", "updated_at"])
        Event.objects.create(
            ticket=ticket,
            field=Event.TRACKING_LINK,
            new_value=Event.LINK_REPLACED,
            actor=acting_user(request),
        )
    logger.info("Ticket %s: tracking link replaced", ticket.reference)
    emails.notify_new_link(request, ticket)
