"""Checks of the model's report_assessment input, without a server."""

import pytest

from chat.responders import Turn
from chat.responders.assessment import (
    assessment_from_search,
    assessment_from_tool,
    combine_confidence,
)
from chat.responders.prompt import build_messages

# Registers the fake Messages API fixtures: fake_claude, claude_settings and
# the SearchHit fixtures.


def tool_input(**changes):
    values = {
        "confidence": 0.9,
        "reason": "Based on 'VPN does not connect'.",
        "cited_article_ids": [],
        "suggested_category": "network",
        "asked_for_person": False,
    }
    return {**values, **changes}


@pytest.mark.parametrize(
    ("model", "kb", "expected"),
    [
        (0.9, 0.8, 0.9),
        (0.9, 0.4, 0.65),
        (0.2, 0.9, 0.2),
        (0.9, 0.0, 0.25),
        (1.0, 1.0, 1.0),
    ],
)
def test_combine_confidence(model, kb, expected):
    assert combine_confidence(model, kb) == pytest.approx(expected)


def test_cited_ids_outside_hits_are_dropped(vpn_hit, printer_hit):
    cited = [printer_hit.article.pk, 999999, vpn_hit.article.pk, vpn_hit.article.pk]

    assessment = assessment_from_tool(
        tool_input(cited_article_ids=cited), "vpn", [vpn_hit, printer_hit], "en"
    )

    assert assessment.cited_article_ids == [printer_hit.article.pk, vpn_hit.article.pk]


def test_cited_ids_must_be_integers(vpn_hit):
    cited = [str(vpn_hit.article.pk), float(vpn_hit.article.pk), True]

    assessment = assessment_from_tool(
        tool_input(cited_article_ids=cited), "vpn", [vpn_hit], "en"
    )

    assert assessment.cited_article_ids == []


@pytest.mark.parametrize("confidence", [None, "0.9", True, float("nan")])
def test_invalid_confidence_gives_no_assessment(confidence, vpn_hit):
    result = assessment_from_tool(
        tool_input(confidence=confidence), "vpn", [vpn_hit], "en"
    )

    assert result is None


def test_non_object_input_gives_no_assessment(vpn_hit):
    assert assessment_from_tool(["confidence", 0.9], "vpn", [vpn_hit], "en") is None


def test_confidence_outside_range_is_clamped(vpn_hit):
    high = assessment_from_tool(tool_input(confidence=7), "vpn", [vpn_hit], "en")
    low = assessment_from_tool(tool_input(confidence=-1), "vpn", [vpn_hit], "en")

    assert high.confidence == pytest.approx(1.0)
    assert low.confidence == 0.0


def test_unknown_category_falls_back_to_best_hit(vpn_hit):
    assessment = assessment_from_tool(
        tool_input(suggested_category="kitchen"), "vpn", [vpn_hit], "en"
    )

    assert assessment.suggested_category == "network"


def test_empty_reason_falls_back_to_search(vpn_hit):
    assessment = assessment_from_tool(tool_input(reason="  "), "vpn", [vpn_hit], "ru")

    assert assessment.reason != ""


def test_reason_loses_nul_and_lone_surrogate(vpn_hit):
    reason = "Based\x00 on the VPN \ud800article."

    assessment = assessment_from_tool(tool_input(reason=reason), "vpn", [vpn_hit], "en")

    assert assessment.reason == "Based on the VPN \ufffdarticle."


def test_asked_for_person_needs_true(vpn_hit):
    assessment = assessment_from_tool(
        tool_input(asked_for_person="yes"), "vpn", [vpn_hit], "en"
    )

    assert assessment.asked_for_person is False


def test_search_assessment_uses_best_hit(vpn_hit, printer_hit):
    assessment = assessment_from_search("printer", [printer_hit, vpn_hit], "en")

    assert assessment.confidence == pytest.approx(vpn_hit.score)
    assert assessment.cited_article_ids == [vpn_hit.article.pk]
    assert assessment.suggested_category == "network"


def test_search_assessment_without_hits(db):
    assessment = assessment_from_search("I need a human", [], "en")

    assert assessment.confidence == 0.0
    assert assessment.cited_article_ids == []
    assert assessment.asked_for_person is True


def test_history_budget_drops_oldest_turns():
    history = [
        Turn("assistant", "x" * 400),
        Turn("employee", "a" * 400),
        Turn("assistant", "b" * 400),
    ]

    messages = build_messages("question", history, budget=202)

    assert [m["content"][0] for m in messages] == ["a", "b", "q"]


def test_history_starts_with_user_turn():
    history = [Turn("employee", "a" * 400), Turn("assistant", "b" * 400)]

    messages = build_messages("question", history, budget=150)

    assert messages == [{"role": "user", "content": "question"}]


def test_history_merges_consecutive_turns():
    history = [Turn("employee", "first"), Turn("employee", "second")]

    messages = build_messages("third", history)

    assert messages == [{"role": "user", "content": "first\n\nsecond\n\nthird"}]


def test_history_skips_empty_turns():
    history = [Turn("employee", "first"), Turn("assistant", "  ")]

    messages = build_messages("second", history)

    assert messages == [{"role": "user", "content": "first\n\nsecond"}]
