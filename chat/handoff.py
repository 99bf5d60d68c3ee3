"""Public functions that the tickets app uses to hand a conversation over."""

from django.utils.translation import gettext as _

from chat.assistant import FOLLOW_UP_MAX_WEIGHT, names_topic, question_weight
from chat.intent import asks_for_person, is_closing, reports_no_change
from chat.models import Message, sources_prefetch
from helpdesk.validators import remove_control_characters, to_single_line
from knowledge.models import Article, Category

SUBJECT_LENGTH = 120
# The max_length of Ticket.description.
DESCRIPTION_LENGTH = 10000
FALLBACK_CATEGORY = "other"


def ticket_prefill(conversation):
    """Return initial ticket fields summarising the conversation.

    The keys are ``subject``, ``description``, ``category`` (a Category or
    None) and ``handoff`` (a ``Message.Handoff`` value, empty when the
    assistant never offered a ticket).
    """
    messages = list(
        conversation.messages.select_related("suggested_category").prefetch_related(
            sources_prefetch(Article.objects.only("title"))
        )
    )
    questions = [m.text for m in messages if m.role == Message.Role.EMPLOYEE]
    answers = [m for m in messages if m.role == Message.Role.ASSISTANT]

    # The latest question is the one the assistant could not settle, unless
    # it requests a person, thanks, names no topic or reports in a few words
    # that nothing changed ("всё равно не работает"). Then an earlier
    # question describes the problem better.
    subject = ""
    nonblank = [q.strip() for q in questions if q.strip()]
    relevant = [q for q in nonblank if not asks_for_person(q) and not is_closing(q)]
    topical = [
        q
        for q in relevant
        if names_topic(q)
        and not (reports_no_change(q) and question_weight(q) <= FOLLOW_UP_MAX_WEIGHT)
    ]
    for candidates in (topical[-1:], relevant[:1], nonblank[-1:]):
        if candidates:
            subject = candidates[0].splitlines()[0][:SUBJECT_LENGTH]
            break
    # A chat message may contain characters that the subject field rejects:
    # directional formatting characters, and control characters in messages
    # stored before the chat form rejected them.
    subject = to_single_line(subject)

    lines = [f"- {question.strip()}" for question in questions]
    tried = []
    for answer in answers:
        tried.extend(article.title for article in answer.sources)
    description = "\n".join(lines)
    if tried:
        suggested = ", ".join(dict.fromkeys(tried))
        description += "\n\n" + _("Already suggested by the assistant: %(titles)s") % {
            "titles": suggested
        }

    # The employee's own pick wins, then the category of the latest reply,
    # since that reply is the one being handed over.
    category = conversation.category
    latest = answers[-1] if answers else None
    if category is None and latest is not None:
        category = latest.suggested_category
        if category is None and latest.handoff:
            category = Category.objects.filter(slug=FALLBACK_CATEGORY).first()
    handoff = latest.handoff if latest is not None else ""
    # Messages stored before the chat form rejected control characters may
    # contain them, and the ticket form would reject the description.
    description = remove_control_characters(description)
    if len(description) > DESCRIPTION_LENGTH:
        # The ticket form rejects longer text, so keep the latest part, which
        # is closest to the problem being handed over.
        description = "…" + description[-(DESCRIPTION_LENGTH - 1) :]
    return {
        "subject": subject,
        "description": description,
        "category": category,
        "handoff": handoff,
    }


def latest_ticket(conversation):
    """Return the newest ticket created from ``conversation``, or None.

    The newest ticket offer of the chat shows it in place of a new form, so
    that an employee who comes back to the chat does not create the same
    ticket twice.
    """
    return conversation.tickets.order_by("-pk").first()
