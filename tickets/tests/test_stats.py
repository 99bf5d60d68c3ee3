from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from knowledge.tests.factories import CategoryFactory
from tickets import stats
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
START, END = stats.period_bounds(date(2026, 3, 1), date(2026, 3, 31))
IN_PERIOD = datetime(2026, 3, 10, 9, 0, tzinfo=START.tzinfo)
BEFORE = datetime(2026, 2, 27, 9, 0, tzinfo=START.tzinfo)


def at(model_instance, created_at, **fields):
    """Move a saved object to ``created_at``, bypassing auto_now_add."""
    type(model_instance).objects.filter(pk=model_instance.pk).update(
        created_at=created_at, **fields
    )
    return model_instance


def ticket_at(created_at, **fields):
    return at(TicketFactory(), created_at, **fields)


def message_at(created_at, **fields):
    return at(MessageFactory(), created_at, **fields)


def test_period_covers_both_days():
    assert START == datetime(2026, 3, 1, tzinfo=START.tzinfo)
    assert END == datetime(2026, 4, 1, tzinfo=START.tzinfo)


def test_tickets_by_status_counts_period_only():
    ticket_at(IN_PERIOD)
    ticket_at(IN_PERIOD)
    ticket_at(IN_PERIOD, status=Status.RESOLVED)
    ticket_at(BEFORE)

    rows = dict(stats.tickets_by_status(START, END))

    assert rows == {
        "New": 2,
        "In progress": 0,
        "Waiting for employee": 0,
        "Resolved": 1,
        "Closed": 0,
    }


def test_tickets_by_priority_includes_zeros():
    ticket_at(IN_PERIOD, priority=Ticket.Priority.URGENT)

    rows = dict(stats.tickets_by_priority(START, END))

    assert rows == {"Low": 0, "Normal": 0, "High": 0, "Urgent": 1}


def test_tickets_by_category_largest_first():
    network = CategoryFactory(slug="network", name_en="Network")
    ticket_at(IN_PERIOD, category=network)
    ticket_at(IN_PERIOD, category=network)
    ticket_at(IN_PERIOD)

    rows = stats.tickets_by_category(START, END)

    assert rows == [("Network", 2), ("No category", 1)]


def test_median_first_response():
    for hours in (1, 3, 5):
        ticket_at(IN_PERIOD, first_response_at=IN_PERIOD + timedelta(hours=hours))
    ticket_at(IN_PERIOD)

    assert stats.median_first_response(START, END) == timedelta(hours=3)


def test_median_of_even_count_is_mean_of_middle():
    for hours in (1, 2):
        ticket_at(IN_PERIOD, resolved_at=IN_PERIOD + timedelta(hours=hours))

    assert stats.median_resolution(START, END) == timedelta(minutes=90)


def test_median_without_data_is_none():
    ticket_at(IN_PERIOD)

    assert stats.median_resolution(START, END) is None


def test_conversation_outcomes():
    conversations = [at(ConversationFactory(), IN_PERIOD) for _ in range(4)]
    at(ConversationFactory(), BEFORE)
    TicketFactory(conversation=conversations[0])
    TicketFactory(conversation=conversations[0])

    outcomes = stats.conversation_outcomes(START, END)

    assert outcomes == {"total": 4, "without_ticket": 3, "share_without_ticket": 0.75}


def test_conversation_outcomes_without_conversations():
    outcomes = stats.conversation_outcomes(START, END)

    assert outcomes["share_without_ticket"] is None


def test_handoff_reasons_count_assistant_messages():
    assistant = Message.Role.ASSISTANT
    message_at(IN_PERIOD, role=assistant, handoff=Message.Handoff.LOW_CONFIDENCE)
    message_at(IN_PERIOD, role=assistant, handoff=Message.Handoff.LOW_CONFIDENCE)
    message_at(IN_PERIOD, role=assistant, handoff=Message.Handoff.ASSISTANT_ERROR)
    message_at(IN_PERIOD, role=assistant, handoff=Message.Handoff.DAILY_LIMIT)
    message_at(IN_PERIOD, role=assistant)
    message_at(BEFORE, role=assistant, handoff=Message.Handoff.ASKED_FOR_PERSON)

    rows = dict(stats.handoff_reasons(START, END))

    assert rows == {
        "Low confidence": 2,
        "Asked for a person": 0,
        "Assistant error": 1,
        "Daily limit reached": 1,
    }


def test_tickets_by_handoff():
    ticket_at(IN_PERIOD, handoff=Message.Handoff.ASKED_FOR_PERSON)
    ticket_at(IN_PERIOD)

    rows = dict(stats.tickets_by_handoff(START, END))

    assert rows["Asked for a person"] == 1
    assert rows["No ticket offer"] == 1


def test_satisfaction():
    ticket_at(IN_PERIOD, rating=4)
    ticket_at(IN_PERIOD, rating=5)
    ticket_at(IN_PERIOD)

    result = stats.satisfaction(START, END)

    assert result["average"] == 4.5
    assert result["count"] == 2


def test_token_usage_cost(settings):
    settings.HELPDESK_MODEL_PRICES = {
        "claude-haiku-4-5": {
            "input": 1,
            "output": 5,
            "cache_read": "0.10",
            "cache_write": "1.25",
        }
    }
    message_at(
        IN_PERIOD,
        model="claude-haiku-4-5-20251001",
        input_tokens=1_000_000,
        output_tokens=200_000,
        cache_read_tokens=1_000_000,
        cache_write_tokens=0,
    )
    message_at(IN_PERIOD, model="claude-haiku-4-5", input_tokens=500_000)

    usage = stats.token_usage(START, END)

    [day] = [day for day in usage["days"] if day["day"] == date(2026, 3, 10)]
    assert day["input"] == 1_500_000
    assert day["output"] == 200_000
    assert day["cost"] == Decimal("2.6")
    assert usage["unpriced_models"] == []


def test_token_usage_has_every_day():
    usage = stats.token_usage(START, END)

    days = [day["day"] for day in usage["days"]]
    assert len(days) == 31
    assert days[0] == date(2026, 3, 1)
    assert days[-1] == date(2026, 3, 31)


def test_token_usage_lists_unpriced_models(settings):
    settings.HELPDESK_MODEL_PRICES = {}
    message_at(IN_PERIOD, model="some-other-model", input_tokens=1000)

    usage = stats.token_usage(START, END)

    assert usage["unpriced_models"] == ["some-other-model"]
    assert sum(day["input"] for day in usage["days"]) == 1000
    assert sum(day["cost"] for day in usage["days"]) == 0


def test_longest_price_key_wins():
    prices = {"claude": {"input": 1}, "claude-opus-4-5": {"input": 5}}

    assert stats.price_for("claude-opus-4-5-20251101", prices) == {"input": 5}
    assert stats.price_for("claude-haiku", prices) == {"input": 1}
    assert stats.price_for("claudette", prices) is None
