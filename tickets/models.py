import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chat.models import Message
from tickets.lookups import YoFoldedIContains
from tickets.targets import resolution_target, response_target


def new_tracking_token():
    # 32 bytes of randomness: a tracking link cannot be guessed or enumerated.
    return secrets.token_urlsafe(32)


class TicketQuerySet(models.QuerySet):
    def overdue(self, now=None):
        """Filter to new or in-progress tickets that missed their response or
        resolution target.

        Tickets waiting for the employee are never overdue, because the next
        step is theirs.
        """
        now = now or timezone.now()
        missed = Q()
        for priority in Ticket.Priority.values:
            missed |= Q(priority=priority) & (
                Q(created_at__lt=now - resolution_target(priority))
                | Q(
                    first_response_at__isnull=True,
                    created_at__lt=now - response_target(priority),
                )
            )
        return self.filter(missed, status__in=Ticket.ACTIONABLE_STATUSES)


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for employee")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING)
    # Statuses where the next step belongs to staff.
    ACTIONABLE_STATUSES = (Status.NEW, Status.IN_PROGRESS)

    # NULL until the first save assigns it from the primary key, so rows being
    # inserted do not collide on the unique constraint.
    reference = models.CharField(  # noqa: DJ001
        _("reference"), max_length=20, unique=True, null=True, editable=False
    )
    tracking_token = models.CharField(
        max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=10000)
    requester_name = models.CharField(_("name"), max_length=150)
    requester_email = models.EmailField(_("e-mail"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("employee account"),
    )
    category = models.ForeignKey(
        "knowledge.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assignee"),
    )
    conversation = models.ForeignKey(
        "chat.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("conversation"),
    )
    handoff = models.CharField(
        _("handoff reason"),
        max_length=20,
        choices=Message.Handoff,
        blank=True,
        editable=False,
    )
    language = models.CharField(
        _("employee's language"),
        max_length=10,
        blank=True,
        help_text=_(
            "Language of the e-mails to the employee. A ticket created on the "
            "site takes the language of its page."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(
        _("first response"), null=True, blank=True, editable=False
    )
    resolved_at = models.DateTimeField(
        _("resolved"), null=True, blank=True, editable=False
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("rating comment"), blank=True, max_length=2000)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["priority", "status"]),
        ]

    def __str__(self):
        return f"{self.reference or 'HD-new'} {self.subject}"

    def save(self, *args, **kwargs):
        if self.reference:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.reference = f"HD-{self.created_at:%Y}-{self.pk:05d}"
            type(self).objects.filter(pk=self.pk).update(reference=self.reference)

    def get_absolute_url(self):
        return reverse("tickets:detail", args=[self.tracking_token])

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def can_be_rated(self):
        """Whether the employee can rate the current resolution.

        ``rating`` belongs to the current resolution only, because reopening
        the ticket moves it to EarlierRating. So a ticket resolved again can
        be rated again.
        """
        return self.status in (self.Status.RESOLVED, self.Status.CLOSED) and (
            self.rating is None
        )

    def is_overdue(self, now=None):
        """Return whether the ticket missed a target, as TicketQuerySet.overdue."""
        if self.status not in self.ACTIONABLE_STATUSES or self.created_at is None:
            return False
        age = (now or timezone.now()) - self.created_at
        if age > resolution_target(self.priority):
            return True
        return self.first_response_at is None and age > response_target(self.priority)


class Comment(models.Model):
    class Kind(models.TextChoices):
        STAFF_REPLY = "staff_reply", _("Reply to the employee")
        INTERNAL_NOTE = "internal_note", _("Internal note")
        EMPLOYEE_REPLY = "employee_reply", _("Employee reply")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="comments"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"), max_length=10000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("thread")

    def __str__(self):
        return str(self.get_kind_display())

    @property
    def is_public(self):
        return self.kind != self.Kind.INTERNAL_NOTE


class EarlierRating(models.Model):
    """The employee's rating of a resolution that was reopened afterwards."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="earlier_ratings"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("rating comment"), blank=True, max_length=2000)
    # The time of the rated resolution. It is empty in ratings archived
    # before tickets that staff created as resolved got a resolution time.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened"), auto_now_add=True)

    class Meta:
        ordering = ["reopened_at", "pk"]
        verbose_name = _("earlier rating")
        verbose_name_plural = _("earlier ratings")

    def __str__(self):
        return f"{self.rating}/5"


class Event(models.Model):
    """One change of a ticket's status, priority, assignee or tracking link."""

    # ``field`` and ``new_value`` of the entry written when staff revoke the
    # tracking link. The tokens themselves stay out of the history.
    TRACKING_LINK = "tracking_link"
    LINK_REPLACED = "replaced"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    field = models.CharField(_("field"), max_length=20)
    old_value = models.CharField(_("old value"), max_length=150, blank=True)
    new_value = models.CharField(_("new value"), max_length=150, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self):
        return f"{self.field}: {self.old_display or '—'} → {self.new_display}"

    @property
    def old_display(self):
        return self.display_value(self.old_value)

    @property
    def new_display(self):
        return self.display_value(self.new_value)

    def display_value(self, value):
        """Return the label of a stored status, priority or tracking link code."""
        if self.field == self.TRACKING_LINK and value == self.LINK_REPLACED:
            return _("revoked, new link issued")
        choices = {"status": Ticket.Status, "priority": Ticket.Priority}.get(self.field)
        if choices is not None and value in choices.values:
            return choices(value).label
        return value


class TicketStatistics(Ticket):
    """Admin entry for the statistics page. As a proxy it has no table."""

    class Meta:
        proxy = True
        verbose_name = _("statistics")
        verbose_name_plural = _("statistics")


# The admin's ticket search finds "ёлка" by "елка" and the other way round.
for field_name in ("requester_name", "subject", "description"):
    Ticket._meta.get_field(field_name).register_lookup(
        YoFoldedIContains, lookup_name="yo_icontains"
    )
