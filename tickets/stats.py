"""Figures for the statistics page.

Every function takes a period as aware datetimes ``start`` (inclusive) and
``end`` (exclusive). Ticket figures count tickets created in the period,
and chat figures count conversations and messages created in it.
"""

import statistics
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.models import Conversation, Message
from knowledge.models import Category
from tickets.models import Ticket

# USD per million tokens, from Anthropic's published price list. Cache writes
# use the 5-minute cache rate. A key matches a model id exactly or as a prefix
# followed by "-", so "claude-haiku-4-5" also prices "claude-haiku-4-5-20251001".
DEFAULT_MODEL_PRICES = {
    "claude-haiku-4-5": {
        "input": "1.00",
        "output": "5.00",
        "cache_read": "0.10",
        "cache_write": "1.25",
    },
    "claude-opus-4-5": {
        "input": "5.00",
        "output": "25.00",
        "cache_read": "0.50",
        "cache_write": "6.25",
    },
}
TOKEN_KINDS = ("input", "output", "cache_read", "cache_write")


def period_bounds(first_day, last_day):
    """Return aware datetimes covering both dates in the current time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def tickets_in(start, end):
    return Ticket.objects.filter(created_at__gte=start, created_at__lt=end)


def count_by_choice(start, end, field, choices):
    """Return (label, count) for every choice, zeros included, in choice order."""
    counts = dict(
        tickets_in(start, end).values_list(field).annotate(total=Count("pk")).order_by()
    )
    return [(str(label), counts.get(value, 0)) for value, label in choices.choices]


def tickets_by_status(start, end):
    return count_by_choice(start, end, "status", Ticket.Status)


def tickets_by_priority(start, end):
    return count_by_choice(start, end, "priority", Ticket.Priority)


def tickets_by_category(start, end):
    """Return (category name, count) rows, largest first."""
    counts = (
        tickets_in(start, end)
        .values_list("category")
        .annotate(total=Count("pk"))
        .order_by("-total", "category")
    )
    categories = Category.objects.in_bulk(
        [pk for pk, total in counts if pk is not None]
    )
    return [
        (categories[pk].name if pk is not None else _("No category"), total)
        for pk, total in counts
    ]


def median_duration(pairs):
    """Return the median of (earlier, later) differences, or None for no pairs."""
    seconds = [(later - earlier).total_seconds() for earlier, later in pairs]
    if not seconds:
        return None
    return timedelta(seconds=round(statistics.median(seconds)))


def median_first_response(start, end):
    pairs = (
        tickets_in(start, end)
        .filter(first_response_at__isnull=False)
        .values_list("created_at", "first_response_at")
    )
    return median_duration(pairs)


def median_resolution(start, end):
    pairs = (
        tickets_in(start, end)
        .filter(resolved_at__isnull=False)
        .values_list("created_at", "resolved_at")
    )
    return median_duration(pairs)


def conversation_outcomes(start, end):
    """Count conversations and the share that ended without a ticket."""
    totals = Conversation.objects.filter(
        created_at__gte=start, created_at__lt=end
    ).aggregate(
        total=Count("pk", distinct=True),
        with_ticket=Count("pk", filter=Q(tickets__isnull=False), distinct=True),
    )
    total = totals["total"]
    without_ticket = total - totals["with_ticket"]
    return {
        "total": total,
        "without_ticket": without_ticket,
        "share_without_ticket": without_ticket / total if total else None,
    }


def handoff_reasons(start, end):
    """Count assistant messages by the reason they offered a ticket."""
    counts = dict(
        Message.objects.filter(
            role=Message.Role.ASSISTANT, created_at__gte=start, created_at__lt=end
        )
        .exclude(handoff="")
        .values_list("handoff")
        .annotate(total=Count("pk"))
        .order_by()
    )
    return [
        (str(label), counts.get(value, 0))
        for value, label in Message.Handoff.choices
        if value
    ]


def tickets_by_handoff(start, end):
    """Count tickets by the handoff reason of their conversation, "none" included."""
    counts = dict(
        tickets_in(start, end)
        .values_list("handoff")
        .annotate(total=Count("pk"))
        .order_by()
    )
    rows = []
    for value, label in Message.Handoff.choices:
        if not value:
            label = _("No ticket offer")
        rows.append((str(label), counts.get(value, 0)))
    return rows


def satisfaction(start, end):
    """Average and count the ratings of the tickets' current resolutions.

    The rating of a resolution that was reopened is an EarlierRating and
    is not counted.
    """
    return tickets_in(start, end).aggregate(
        average=Avg("rating"), count=Count("rating")
    )


def model_prices():
    """Return the configured prices as Decimals, per model and token kind."""
    configured = getattr(settings, "HELPDESK_MODEL_PRICES", DEFAULT_MODEL_PRICES)
    return {
        model: {kind: Decimal(str(prices.get(kind, 0))) for kind in TOKEN_KINDS}
        for model, prices in configured.items()
    }


def price_for(model, prices):
    """Return the prices of the longest key matching the model id, or None."""
    matches = [key for key in prices if model == key or model.startswith(f"{key}-")]
    if not matches:
        return None
    return prices[max(matches, key=len)]


def token_usage(start, end):
    """Sum tokens and estimated cost per day, with a row for every day.

    Returns ``days`` (dicts with ``day``, token totals per kind and ``cost``
    in USD) and ``unpriced_models``: model ids used in the period with no
    configured price, whose tokens are counted but not costed.
    """
    prices = model_prices()
    rows = (
        Message.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(model="")
        .annotate(day=TruncDate("created_at"))
        .values("day", "model")
        .annotate(
            input=Sum("input_tokens"),
            output=Sum("output_tokens"),
            cache_read=Sum("cache_read_tokens"),
            cache_write=Sum("cache_write_tokens"),
        )
        .order_by("day", "model")
    )

    days = {}
    day = timezone.localdate(start)
    while day < timezone.localdate(end):
        days[day] = {"day": day, "cost": Decimal(0), **dict.fromkeys(TOKEN_KINDS, 0)}
        day += timedelta(days=1)

    unpriced = set()
    for row in rows:
        totals = days[row["day"]]
        for kind in TOKEN_KINDS:
            totals[kind] += row[kind]
        model_price = price_for(row["model"], prices)
        if model_price is None:
            unpriced.add(row["model"])
            continue
        totals["cost"] += sum(
            row[kind] * model_price[kind] / 1_000_000 for kind in TOKEN_KINDS
        )
    return {"days": list(days.values()), "unpriced_models": sorted(unpriced)}
