import pytest

from knowledge.search import search
from knowledge.tests.factories import ArticleFactory

THRESHOLD = 0.6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Не могу войти в корпоративную почту", "mail_ru"),
        ("впн", "vpn_ru"),
        ("не подключается впн", "vpn_ru"),
        ("vpn connecting", "vpn_en"),
        ("принтер", "printer_ru"),
    ],
)
def test_clear_question_scores_above_threshold(knowledge_base, query, expected):
    hits = search(query)

    assert hits[0].article == knowledge_base[expected]
    assert hits[0].score >= THRESHOLD


@pytest.mark.parametrize(
    "query",
    ["Как оформить отпуск?", "когда выплатят зарплату", "hello, how are you?"],
)
def test_unrelated_question_scores_low(knowledge_base, query):
    hits = search(query)

    assert not hits or hits[0].score < 0.3


def test_weak_words_alone_score_low(knowledge_base):
    hits = search("не работает, ошибка, проблема, помогите")

    assert not hits or hits[0].score < THRESHOLD


@pytest.mark.parametrize(
    "query",
    ["почта", "принтер бумага впн outlook", "outlok", "принт", "не работает"],
)
def test_score_within_bounds(knowledge_base, query):
    hits = search(query)

    assert all(0.0 <= hit.score <= 1.0 for hit in hits)


def test_matched_terms_are_query_words(knowledge_base):
    hits = search("Почту и календарь в Outlook")

    assert hits[0].article == knowledge_base["mail_ru"]
    assert hits[0].matched_terms == ["почту", "outlook"]


def test_solution_only_match_scores_lower(db):
    in_problem = ArticleFactory(title="Monitor", problem="The docking station blinks.")
    in_solution = ArticleFactory(
        title="Keyboard", solution="Reconnect the docking station."
    )

    hits = {hit.article: hit.score for hit in search("docking station")}

    assert hits[in_problem] > hits[in_solution]


@pytest.mark.parametrize("query", ["", "   ", "?!", "и в на"])
def test_empty_query_finds_nothing(knowledge_base, query):
    assert search(query) == []


def test_numbers_weigh_little(knowledge_base):
    hits = search("впн 10")

    assert hits[0].article == knowledge_base["vpn_ru"]
    assert hits[0].score >= THRESHOLD
