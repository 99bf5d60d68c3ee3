from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import (
    get_language,
    get_supported_language_variant,
    gettext_lazy,
    ngettext,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chat.models import sources_prefetch
from helpdesk.forms import MultilineField
from tickets import workflow
from tickets.admin_filters import AssigneeFilter, OverdueFilter
from tickets.admin_forms import TicketAdminForm
from tickets.articles import ArticleDraftError, draft_article
from tickets.models import Comment, EarlierRating, Event, Ticket, TicketStatistics
from tickets.stats_admin import TicketStatisticsAdmin


class CommentAdminForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["kind", "body"]
        field_classes = {"body": MultilineField}


class CommentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """Reject new replies and notes on a ticket that was closed before this save.

        Closing a ticket and adding a last reply in the same save is allowed,
        because the reply was written while the ticket was still open.
        """
        super().clean()
        if self.instance.pk is None:
            return
        stored = Ticket.objects.filter(pk=self.instance.pk).values("status").first()
        if stored is None or workflow.accepts_comments(stored["status"]):
            return
        message = _(
            "This ticket is closed and takes no more replies or internal notes. "
            "Your text is kept: copy it into a new ticket if the work goes on."
        )
        for form in self.forms:
            if form.instance._state.adding and form.has_changed():
                form.add_error("body", message)


class CommentInline(admin.TabularInline):
    """Thread of the ticket. Sent replies and notes cannot be edited or deleted."""

    model = Comment
    form = CommentAdminForm
    formset = CommentFormSet
    extra = 1
    can_delete = False
    fields = ["kind", "body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    verbose_name = gettext_lazy("reply or internal note")
    verbose_name_plural = gettext_lazy("thread")
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 60})}
    }

    def has_change_permission(self, request, obj=None):
        return False

    def get_max_num(self, request, obj=None, **kwargs):
        # A closed ticket gets no empty reply row and no "Add another" link.
        # A row posted from a page loaded before the ticket closed still
        # reaches CommentFormSet.clean, which rejects it and keeps its text.
        if obj is not None and not workflow.accepts_comments(obj.status):
            return 0
        return super().get_max_num(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [
                (Comment.Kind.STAFF_REPLY, Comment.Kind.STAFF_REPLY.label),
                (Comment.Kind.INTERNAL_NOTE, Comment.Kind.INTERNAL_NOTE.label),
            ]
            kwargs["initial"] = Comment.Kind.STAFF_REPLY
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ["created_at", "field", "old_display", "new_display", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("old value"))
    def old_display(self, event):
        return event.old_display

    @admin.display(description=gettext_lazy("new value"))
    def new_display(self, event):
        return event.new_display


class EarlierRatingInline(admin.TabularInline):
    """Ratings of resolutions that were reopened. The current one is on the ticket."""

    model = EarlierRating
    extra = 0
    can_delete = False
    fields = ["rating", "comment", "resolved_at", "reopened_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def status_action(status):
    """Build an admin action that moves the selected tickets to ``status``."""

    def action(modeladmin, request, queryset):
        modeladmin.change_status(request, queryset, status)

    action.__name__ = f"mark_{status.value}"
    description = format_lazy(gettext_lazy("Change status to “{}”"), status.label)
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketAdminForm
    list_display = [
        "reference",
        "subject",
        "requester",
        "status",
        "overdue",
        "priority",
        "category",
        "assignee",
        "created_at",
    ]
    list_display_links = ["reference", "subject"]
    list_filter = [
        "status",
        "priority",
        "category",
        AssigneeFilter,
        OverdueFilter,
    ]
    list_select_related = ["category", "assignee"]
    # yo_icontains is icontains that treats "ё" as "е" (tickets.lookups).
    search_fields = [
        "reference",
        "requester_email",
        "requester_name__yo_icontains",
        "subject__yo_icontains",
        "description__yo_icontains",
    ]
    date_hierarchy = "created_at"
    list_per_page = 50
    autocomplete_fields = ["user"]
    raw_id_fields = ["conversation"]
    readonly_fields = [
        "reference",
        "tracking_link",
        "handoff",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "rating",
        "rating_comment",
        "transcript",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "tracking_link", "subject", "description"]}),
        (
            gettext_lazy("Work"),
            {"fields": ["status", "priority", "assignee", "category"]},
        ),
        (
            gettext_lazy("Employee"),
            {"fields": ["requester_name", "requester_email", "user", "language"]},
        ),
        (
            gettext_lazy("Times and rating"),
            {
                "fields": [
                    "created_at",
                    "updated_at",
                    "first_response_at",
                    "resolved_at",
                    "rating",
                    "rating_comment",
                ]
            },
        ),
        (
            gettext_lazy("Conversation with the assistant"),
            {"fields": ["conversation", "handoff", "transcript"]},
        ),
    ]
    inlines = [CommentInline, EventInline, EarlierRatingInline]
    actions = [
        "assign_to_me",
        "replace_tracking_links",
        # No status leads back to "new", so it gets no action.
        *(
            status_action(status)
            for status in Ticket.Status
            if status != Ticket.Status.NEW
        ),
    ]

    class Media:
        css = {"all": ["css/tickets.css"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                is_staff=True, is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("requester"), ordering="requester_name")
    def requester(self, ticket):
        return ticket.requester_name

    @admin.display(description=gettext_lazy("overdue"))
    def overdue(self, ticket):
        if not ticket.is_overdue():
            return ""
        return format_html('<span class="ticket-overdue">{}</span>', _("Overdue"))

    @admin.display(description=gettext_lazy("tracking page"))
    def tracking_link(self, ticket):
        if ticket.pk is None:
            return "—"
        url = ticket.get_absolute_url()
        return format_html(
            '<a href="{}">{}</a><div class="help">{}</div>',
            url,
            _("Open the employee's page"),
            _(
                "Anyone with this link can read the ticket. If it reached the "
                "wrong person, use “Revoke the tracking link” above: the old "
                "link stops working and the requester gets a new one by e-mail, "
                "so correct the address first if it is wrong."
            ),
        )

    @admin.display(description=gettext_lazy("transcript"))
    def transcript(self, ticket):
        if ticket.conversation_id is None:
            return _("This ticket was not created from a conversation.")
        chat_messages = ticket.conversation.messages.prefetch_related(
            sources_prefetch()
        )
        return render_to_string(
            "admin/tickets/ticket/transcript.html", {"chat_messages": chat_messages}
        )

    def get_changeform_initial_data(self, request):
        # A ticket that staff add, as after a phone call, gets e-mails in the
        # language of the staff member's page unless they pick another.
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("language", get_supported_language_variant(get_language()))
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            # The row stays locked until the save commits, so an employee's
            # reply, which takes the same lock, cannot land between reading
            # the ticket and saving it. SQLite has no row locks.
            lock_ticket(unquote(object_id))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # The e-mails wait for save_related, so that they include the staff
        # replies saved on the same page.
        form.staff_replies = []
        if not change:
            workflow.open_ticket(request, obj, notify=False)
            return
        stored = Ticket.objects.select_related("assignee").get(pk=obj.pk)
        previous = workflow.snapshot(stored)
        changed = workflow.save_with_history(request, obj, previous, notify=False)
        form.saved_changes = (previous, changed)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Comment:
            return super().save_formset(request, form, formset, change)
        for comment in formset.save(commit=False):
            comment.author = request.user
            comment.save()
            workflow.add_staff_comment(request, form.instance, comment, notify=False)
            if comment.kind == Comment.Kind.STAFF_REPLY:
                form.staff_replies.append(comment)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            previous, changed = form.saved_changes
            workflow.notify_changes(
                request, form.instance, previous, changed, form.staff_replies
            )
        else:
            workflow.notify_opened(request, form.instance, form.staff_replies)

    @admin.action(description=gettext_lazy("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        changed = 0
        for ticket in queryset.select_related("assignee"):
            if ticket.assignee_id != request.user.pk:
                workflow.update_ticket(request, ticket, assignee=request.user)
                changed += 1
        message = ngettext(
            "%(count)d ticket assigned to you.",
            "%(count)d tickets assigned to you.",
            changed,
        )
        self.message_user(request, message % {"count": changed})

    @admin.action(
        description=gettext_lazy("Revoke tracking links and e-mail new ones"),
        permissions=["change"],
    )
    def replace_tracking_links(self, request, queryset):
        tickets = list(queryset)
        for ticket in tickets:
            workflow.replace_tracking_link(request, ticket)
        message = ngettext(
            "%(count)d tracking link revoked. The old link no longer opens the "
            "ticket, and the requester gets the new one by e-mail.",
            "%(count)d tracking links revoked. The old links no longer open the "
            "tickets, and the requesters get the new ones by e-mail.",
            len(tickets),
        )
        self.message_user(request, message % {"count": len(tickets)})

    def change_status(self, request, queryset, status):
        changed, rejected = 0, []
        for ticket in queryset.select_related("assignee"):
            if ticket.status == status:
                continue
            try:
                workflow.update_ticket(request, ticket, status=status)
            except workflow.TransitionError as error:
                rejected.append(f"{ticket.reference}: {error}")
            else:
                changed += 1
        message = ngettext(
            "%(count)d ticket changed to “%(status)s”.",
            "%(count)d tickets changed to “%(status)s”.",
            changed,
        )
        self.message_user(request, message % {"count": changed, "status": status.label})
        if rejected:
            self.message_user(
                request,
                _("Not changed: %(tickets)s") % {"tickets": " ".join(rejected)},
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/article/",
                self.admin_site.admin_view(self.turn_into_article),
                name="tickets_ticket_article",
            ),
            path(
                "<path:object_id>/tracking-link/",
                self.admin_site.admin_view(self.revoke_tracking_link),
                name="tickets_ticket_revoke_link",
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        context["can_revoke_link"] = obj is not None and self.has_change_permission(
            request, obj
        )
        context["comments_added_meanwhile"] = comments_added_meanwhile(context, obj)
        context["can_turn_into_article"] = (
            obj is not None
            and obj.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
            and request.user.has_perm("knowledge.add_article")
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def turn_into_article(self, request, object_id):
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404("No such ticket.")
        if not (
            self.has_view_or_change_permission(request, ticket)
            and request.user.has_perm("knowledge.add_article")
        ):
            raise PermissionDenied

        try:
            article, created = draft_article(ticket)
        except ArticleDraftError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))

        if created:
            message = _(
                "Draft article created from %(reference)s. Review it, then publish it."
            )
        else:
            message = _(
                "%(reference)s already has this unpublished draft article. Review "
                "it, then publish it."
            )
        self.message_user(request, message % {"reference": ticket.reference})
        return redirect(reverse("admin:knowledge_article_change", args=[article.pk]))

    @method_decorator(require_POST)
    def revoke_tracking_link(self, request, object_id):
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404("No such ticket.")
        if not self.has_change_permission(request, ticket):
            raise PermissionDenied

        workflow.replace_tracking_link(request, ticket)
        self.message_user(
            request,
            _(
                "The old tracking link of %(reference)s is revoked and no longer "
                "opens the ticket. The new link is e-mailed to %(email)s."
            )
            % {"reference": ticket.reference, "email": ticket.requester_email},
        )
        return redirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))


def comments_added_meanwhile(context, ticket):
    """Return the ticket's comments that a page shown again after an error lacks.

    A bound formset lists the comments that the page was loaded with, so a
    reply that the employee sent since then would stay unseen.
    """
    if ticket is None or not context["adminform"].form.is_bound:
        return []
    for inline in context["inline_admin_formsets"]:
        if inline.formset.model is Comment:
            on_page = [form.instance.pk for form in inline.formset.initial_forms]
            return list(
                ticket.comments.exclude(pk__in=on_page).select_related("author")
            )
    return []


def lock_ticket(object_id):
    """Lock the ticket's row until the transaction ends, if the id is valid."""
    try:
        list(
            Ticket.objects.select_for_update()
            .filter(pk=object_id)
            .values_list("pk", flat=True)
        )
    except (ValueError, ValidationError):
        # changeform_view then reports the invalid id as not found.
        pass


admin.site.register(TicketStatistics, TicketStatisticsAdmin)
