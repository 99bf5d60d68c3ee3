"""Daily token budget of the Claude responder, per employee.

The employee is the signed-in user, or the browser session of an anonymous
visitor. Usage is read from the token counts stored on assistant messages, so
every app server reads the same total without a shared counter.

Counted: input, output and cache-write tokens. Cache reads are left out
because Anthropic bills them at a tenth of the input price (see the prices in
tickets/stats.py), and a follow-up question that re-reads the cached
instructions and articles would otherwise cost the budget as much as a new
question.

NOTE: the budget is checked before each reply, so replies that stream at the
same time can go past it by at most their own usage. A reply that the
employee interrupts stores no token counts and is not counted.
"""

from datetime import datetime, time

from django.conf import settings
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.models import Message


def day_start():
    """Return the start of today in the project's TIME_ZONE, as an aware datetime."""
    zone = timezone.get_default_timezone()
    today = timezone.localtime(timezone.now(), zone).date()
    return datetime.combine(today, time.min, tzinfo=zone)


def owner_lookup(conversation):
    """Return the message lookup that selects all messages of the same employee."""
    if conversation.user_id is not None:
        return {"conversation__user_id": conversation.user_id}
    if conversation.session_key:
        return {
            "conversation__user__isnull": True,
            "conversation__session_key": conversation.session_key,
        }
    return {"conversation": conversation}


def tokens_used_today(conversation):
    """Return the tokens that Claude used today for this conversation's employee."""
    counted = F("input_tokens") + F("output_tokens") + F("cache_write_tokens")
    return Message.objects.filter(
        role=Message.Role.ASSISTANT,
        created_at__gte=day_start(),
        **owner_lookup(conversation),
    ).aggregate(total=Coalesce(Sum(counted), 0))["total"]


def daily_budget_spent(conversation):
    """Return whether the employee has used HELPDESK_DAILY_TOKEN_BUDGET today.

    A budget of 0 means no limit.
    """
    budget = settings.HELPDESK_DAILY_TOKEN_BUDGET
    if not budget:
        return False
    return tokens_used_today(conversation) >= budget
