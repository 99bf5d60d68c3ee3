import logging

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chat.access import SESSION_KEY, get_conversation, get_message
from chat.assistant import generate_reply
from chat.forms import MessageForm
from chat.handoff import latest_ticket
from chat.models import Conversation, Message, sources_prefetch
from helpdesk.ratelimit import format_wait, hit_rate_limit
from knowledge.models import Article

logger = logging.getLogger(__name__)


def current_conversation(request):
    """Return the visitor's open conversation from the session, or None."""
    public_id = request.session.get(SESSION_KEY)
    if not public_id:
        return None
    try:
        return get_conversation(request, public_id)
    except Http404:
        return None


def start_conversation(request, category):
    if not request.session.session_key:
        request.session.save()
    user = request.user if request.user.is_authenticated else None
    conversation = Conversation.objects.create(
        user=user, session_key=request.session.session_key, category=category
    )
    request.session[SESSION_KEY] = str(conversation.public_id)
    return conversation


def add_question_text(chat_messages):
    """Give each interrupted reply the question it answers, for "Ask again"."""
    question = ""
    for message in chat_messages:
        if message.role == Message.Role.EMPLOYEE:
            question = message.text
        elif message.status == Message.Status.INTERRUPTED:
            message.question_text = question


def page_context(request, conversation, form):
    chat_messages = []
    if conversation is not None:
        # The related manager sets message.conversation to ``conversation``,
        # and the sources list needs only the title, the id and whether an
        # article is still published.
        sources = sources_prefetch(Article.objects.only("title", "is_published"))
        chat_messages = list(conversation.messages.prefetch_related(sources))
    add_question_text(chat_messages)
    # Only the newest finished reply that offers a ticket loads the form, so
    # the page never contains two forms with the same field ids.
    offers = [m for m in chat_messages if m.is_final and m.offers_ticket]
    latest_offer = offers[-1] if offers else None
    ticket = latest_ticket(conversation) if latest_offer is not None else None
    return {
        "conversation": conversation,
        "chat_messages": chat_messages,
        "latest_offer": latest_offer,
        "conversation_ticket": ticket,
        "form": form,
    }


@require_GET
def chat_page(request):
    conversation = current_conversation(request)
    form = MessageForm.for_conversation(conversation)
    return render(request, "chat/page.html", page_context(request, conversation, form))


@require_POST
def post_message(request):
    conversation = current_conversation(request)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return render_invalid_form(request, conversation, form, status=422)

    category = form.cleaned_data["category"]
    message_count = 0 if conversation is None else employee_message_count(conversation)
    limit = settings.HELPDESK_CONVERSATION_MAX_MESSAGES
    if message_count >= limit:
        message = _(
            "This conversation has reached its limit of %(limit)d messages. Your "
            "text is kept: start a new conversation, or create a ticket so that "
            "IT staff can take it from here."
        )
        form.add_error("text", message % {"limit": limit})
        return render_invalid_form(request, conversation, form, status=422)

    retry_after = hit_rate_limit(request, "chat", settings.HELPDESK_CHAT_RATE)
    if retry_after is not None:
        return render_rate_limited(request, conversation, form, retry_after)

    # The intro text is on the page only while the conversation is empty.
    first_exchange = message_count == 0
    with transaction.atomic():
        if conversation is None:
            conversation = start_conversation(request, category)
        elif category and conversation.category_id != category.pk:
            conversation.category = category
            conversation.save(update_fields=["category", "updated_at"])
        question = conversation.messages.create(
            role=Message.Role.EMPLOYEE, text=form.cleaned_data["text"]
        )
        reply = conversation.messages.create(
            role=Message.Role.ASSISTANT, status=Message.Status.PENDING
        )
    logger.info("Conversation %s: message %s posted", conversation.pk, question.pk)

    if request.htmx:
        context = {
            "conversation": conversation,
            "exchange": [question, reply],
            "first_exchange": first_exchange,
            "asked_again": bool(request.POST.get("again")),
            "form": MessageForm.for_conversation(conversation),
        }
        return render(request, "chat/page.html#exchange", context)

    # Without JavaScript there is no stream to read: answer in this request.
    async_to_sync(consume_reply)(reply)
    return redirect("chat:page")


def employee_message_count(conversation):
    return conversation.messages.filter(role=Message.Role.EMPLOYEE).count()


def render_rate_limited(request, conversation, form, retry_after):
    form.add_error(
        "text",
        _(
            "You are sending messages too fast. Your text is kept: send it again "
            "in %(wait)s."
        )
        % {"wait": format_wait(retry_after)},
    )
    response = render_invalid_form(request, conversation, form, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def render_invalid_form(request, conversation, form, status):
    """Return the form with its errors, keeping what the employee typed."""
    context = page_context(request, conversation, form)
    if not request.htmx:
        return render(request, "chat/page.html", context, status=status)
    # Replace the form in place, because the form's own target is the chat log.
    context["oob"] = True
    return render(request, "chat/page.html#message_form", context, status=status)


async def consume_reply(message):
    async for _chunk in generate_reply(message):
        pass


@require_POST
def new_conversation(request):
    request.session.pop(SESSION_KEY, None)
    if request.htmx:
        response = redirect("chat:page")
        response["HX-Redirect"] = response["Location"]
        return response
    return redirect("chat:page")


@require_POST
def rate_reply(request, public_id):
    message = get_message(request, public_id)
    if message.role != Message.Role.ASSISTANT:
        raise Http404("Only replies of the assistant can be rated.")
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        error = _("The rating is invalid: choose yes or no.")
        if request.htmx:
            # htmx would follow a redirect and swap the whole page into the
            # rating, so the rating comes back with the error instead.
            context = {"message": message, "rating_error": error}
            return render(request, "chat/page.html#rating", context, status=422)
        messages.error(request, error)
        return redirect("chat:page")

    message.helpful = helpful == "yes"
    message.save(update_fields=["helpful", "updated_at"])
    if request.htmx:
        return render(request, "chat/page.html#rating", {"message": message})
    return redirect("chat:page")
