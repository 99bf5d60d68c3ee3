import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from chat.access import get_conversation
from chat.handoff import ticket_prefill
from chat.intent import detect_language
from helpdesk.ratelimit import format_wait, hit_rate_limit
from helpdesk.validators import to_single_line
from tickets import resubmission, workflow
from tickets.forms import RatingForm, ReplyForm, TicketForm, new_submission_token
from tickets.models import Comment, Ticket

TICKETS_PER_PAGE = 25


def conversation_from_query(request):
    """Return the visitor's conversation named in ?conversation=, or None.

    Raises 404 for a malformed id or a conversation of someone else.
    """
    public_id = request.GET.get("conversation")
    if not public_id:
        return None
    try:
        uuid.UUID(public_id)
    except ValueError:
        raise Http404("No such conversation.") from None
    return get_conversation(request, public_id)


def initial_values(request, prefill):
    initial = {}
    if request.user.is_authenticated:
        # Account names come from the Users admin, which accepts characters
        # that the ticket form rejects; the employee never typed them.
        initial["requester_name"] = to_single_line(
            request.user.get_full_name() or request.user.get_username()
        )
        initial["requester_email"] = request.user.email
    if prefill:
        initial["subject"] = prefill["subject"]
        initial["description"] = prefill["description"]
        initial["category"] = prefill["category"]
    return initial


@require_http_methods(["GET", "POST"])
def create_ticket(request):
    if settings.HELPDESK_REQUIRE_LOGIN and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())

    conversation = conversation_from_query(request)
    prefill = ticket_prefill(conversation) if conversation else None

    if request.method == "GET":
        form = TicketForm(initial=initial_values(request, prefill))
        return render_form(request, form, conversation)

    form = TicketForm(request.POST)
    if not form.is_valid():
        return render_form(request, form, conversation, status=422)

    token = form.cleaned_data["submission_token"]
    digest = form.content_digest()
    earlier = resubmission.find_earlier_submission(request, token, digest)
    if earlier is not None and earlier.same_fields:
        return redirect_to_sent_ticket(request, earlier.ticket)
    if earlier is not None:
        return render_changed_resubmission(request, conversation, earlier.ticket)

    retry_after = hit_rate_limit(request, "ticket", settings.HELPDESK_TICKET_RATE)
    if retry_after is not None:
        message = _(
            "You are creating tickets too fast. Your text is kept: send it again "
            "in %(wait)s."
        )
        form.add_error(None, message % {"wait": format_wait(retry_after)})
        response = render_form(request, form, conversation, status=429)
        response["Retry-After"] = str(retry_after)
        return response

    ticket = form.save(commit=False)
    ticket.user = request.user if request.user.is_authenticated else None
    ticket.conversation = conversation
    ticket.handoff = prefill["handoff"] if prefill else ""
    # E-mails about the ticket use the language of its subject, as chat
    # replies use the question's. A subject such as "VPN" keeps the page's.
    ticket.language = detect_language(ticket.subject, default=get_language() or "en")
    workflow.open_ticket(request, ticket)
    resubmission.remember_submission(request, token, digest, ticket)

    messages.success(
        request,
        _(
            "Ticket %(reference)s is created. Keep the link to this page: it is "
            "the way to follow the ticket without signing in."
        )
        % {"reference": ticket.reference},
    )
    return redirect_to_ticket(request, ticket)


def redirect_to_ticket(request, ticket):
    if request.htmx:
        return HttpResponseClientRedirect(ticket.get_absolute_url())
    return redirect(ticket)


def redirect_to_sent_ticket(request, ticket):
    """Lead a form sent again with the same fields to the ticket it created."""
    messages.info(
        request,
        _(
            "You already sent this form, so no second ticket was created: this "
            "is ticket %(reference)s."
        )
        % {"reference": ticket.reference},
    )
    return redirect_to_ticket(request, ticket)


def render_changed_resubmission(request, conversation, earlier):
    """Show a form that was sent before and changed since then, with its text.

    The form gets a new submission token, so sending it again creates a
    second ticket.
    """
    data = request.POST.copy()
    data["submission_token"] = new_submission_token()
    form = TicketForm(data)
    return render_form(request, form, conversation, status=409, sent_ticket=earlier)


def render_form(request, form, conversation, status=200, sent_ticket=None):
    context = {"form": form, "conversation": conversation, "sent_ticket": sent_ticket}
    template = (
        "tickets/create.html#ticket_form" if request.htmx else "tickets/create.html"
    )
    return render(request, template, context, status=status)


def get_ticket(token):
    """Return the ticket with this tracking token, or raise 404."""
    return get_object_or_404(
        Ticket.objects.select_related("category"), tracking_token=token
    )


def detail_context(ticket, reply_form=None, rating_form=None):
    return {
        "ticket": ticket,
        "public_comments": ticket.comments.exclude(
            kind=Comment.Kind.INTERNAL_NOTE
        ).select_related("author"),
        "status_events": ticket.events.filter(field="status"),
        "reply_form": reply_form or ReplyForm(),
        "rating_form": rating_form or RatingForm(),
    }


# The page contains the employee's personal data under a secret address, so no
# shared cache may keep it.
@never_cache
@require_GET
def ticket_detail(request, token):
    ticket = get_ticket(token)
    return render(request, "tickets/detail.html", detail_context(ticket))


@require_http_methods(["GET", "POST"])
def reply_to_ticket(request, token):
    """Store the employee's reply, or show the ticket page again with the error.

    A GET, such as a reload after a failed reply, goes back to the ticket page.
    """
    ticket = get_ticket(token)
    if request.method == "GET":
        return redirect(ticket)

    form = ReplyForm(request.POST)
    if form.is_valid():
        # Each reply can e-mail the assignee, so replies count against the
        # chat's rate, which fits a conversation.
        retry_after = hit_rate_limit(
            request, "ticket_reply", settings.HELPDESK_CHAT_RATE
        )
        if retry_after is not None:
            message = _(
                "You are sending replies too fast. Your text is kept: send it "
                "again in %(wait)s."
            )
            form.add_error("body", message % {"wait": format_wait(retry_after)})
            context = detail_context(ticket, reply_form=form)
            response = render(request, "tickets/detail.html", context, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        try:
            workflow.add_employee_reply(request, ticket, form.cleaned_data["body"])
        except workflow.TransitionError:
            form.add_error(
                "body",
                _(
                    "This ticket is closed and takes no more replies. Your text is "
                    "kept here: copy it into a new ticket if the problem is back."
                ),
            )
        else:
            if ticket.status == Ticket.Status.RESOLVED:
                notice = _(
                    "Thank you! Your reply is sent, and the ticket stays resolved."
                )
            else:
                notice = _("Your reply is sent to IT staff.")
            messages.success(request, notice)
            return redirect(ticket)

    context = detail_context(ticket, reply_form=form)
    return render(request, "tickets/detail.html", context, status=422)


@require_http_methods(["GET", "POST"])
def rate_ticket(request, token):
    """Store the employee's rating. A GET goes back to the ticket page."""
    ticket = get_ticket(token)
    if request.method == "GET":
        return redirect(ticket)

    form = RatingForm(request.POST)
    if not form.is_valid():
        context = detail_context(ticket, rating_form=form)
        return render(request, "tickets/detail.html", context, status=422)

    rated = workflow.rate_ticket(
        ticket, form.cleaned_data["rating"], form.cleaned_data["comment"]
    )
    if rated:
        messages.success(request, _("Thank you for rating the help you got."))
    else:
        messages.error(
            request,
            _("This ticket cannot be rated: it is not resolved or is already rated."),
        )
    return redirect(ticket)


@never_cache
@require_GET
@login_required
def my_tickets(request):
    tickets = Ticket.objects.filter(user=request.user).select_related("category")
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/mine.html", {"page": page})
