"""How much credit a question word earns from words an article has only in passing."""

from pathlib import Path

import pytest
from django.core.management import call_command

from knowledge.analysis import query_terms
from knowledge.models import Article
from knowledge.search import score_candidates, search
from knowledge.search.scoring import Candidate
from knowledge.tests.factories import ArticleFactory

THRESHOLD = 0.6
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "knowledge.json"

# Questions that ranked another article of fixtures/knowledge.json first,
# with the title of the article that answers them.
SHIPPED_CASES = [
    (
        "printer prints blank pages",
        "The printer does not print or the print queue is stuck",
    ),
    ("pdf doesnt print", "The printer does not print or the print queue is stuck"),
    (
        "the printer only prints the first page of my document",
        "The printer does not print or the print queue is stuck",
    ),
    ("my password doesnt work", "I forgot my password or it has expired"),
    ("не могу зайти в почту", "Не могу войти в корпоративную почту"),
    ("почта просит пароль снова и снова", "Не могу войти в корпоративную почту"),
    ("просит сменить пароль", "Забыл пароль или истек срок действия пароля"),
    ("network drive disconnected", "I need access to a shared folder or a system"),
    ("ноутбук не заряжается от док-станции", "Ноутбук не включается или не заряжается"),
]


@pytest.fixture
def printing(db):
    """Create the printing and scanning articles that share printer words."""
    return {
        "printer": ArticleFactory(
            title="The printer does not print or the print queue is stuck",
            problem="I send a document to print and nothing comes out.",
            solution="1. Open the print queue.\n2. Print a test page.",
            keywords="printer, printer not printing, print queue stuck, paper jam",
        ),
        "scan": ArticleFactory(
            title="How to scan a document to e-mail",
            problem=(
                "I need to scan a document on the multifunction printer. "
                "I don't know how to scan several pages into one PDF."
            ),
            solution="1. Put the pages in the feeder.\n2. Tap Scan to Email.",
            keywords="scan, scanner, scan several pages, multifunction printer",
        ),
    }


def test_printer_question_ranks_printer_article(printing):
    hits = search("printer prints blank pages")

    assert hits[0].article == printing["printer"]


def test_question_word_counts_once(db):
    ArticleFactory(title="Multifunction printer", keywords="multifunction printer")

    hits = search("printer prints")

    # "printer" matches, and "prints" does not count the same word again as
    # its longer form.
    assert hits[0].score == pytest.approx(0.5)


def test_longer_english_word_scores_low(db):
    drive = ArticleFactory(title="Map a network drive", keywords="network drive")
    driver = ArticleFactory(
        title="Install the printer driver", keywords="printer driver"
    )

    hits = {hit.article: hit.score for hit in search("drive")}

    assert hits[drive] >= THRESHOLD
    assert hits[driver] < THRESHOLD


def test_half_typed_english_word_keeps_prefix_credit(db):
    article = ArticleFactory(title="Microphone does not work", keywords="microphone")

    hits = search("micro")

    assert hits[0].article == article
    assert hits[0].score >= THRESHOLD


def test_short_russian_word_keeps_prefix_credit(db):
    lost = ArticleFactory(
        language="ru",
        title="Потерял ноутбук или телефон",
        keywords="потерял ноутбук, пропал ноутбук",
    )
    ArticleFactory(
        language="ru",
        title="Ноутбук не включается",
        keywords="ноут не включается, ноут сдох",
    )

    hits = search("пропал рабочий ноут")

    assert hits[0].article == lost


def test_partial_keyword_phrase_weighs_less(db):
    ArticleFactory(title="Scan to e-mail", keywords="scan, multifunction printer")

    part = search("printer")
    whole = search("multifunction printer")

    assert part[0].score == pytest.approx(0.9)
    assert whole[0].score == pytest.approx(1.0)


def test_keyword_phrase_whole_without_weak_words(db):
    ArticleFactory(language="ru", title="Сеть в офисе", keywords="вайфай не пашет")

    hits = search("вайфай")

    assert hits[0].score == pytest.approx(1.0)


def test_weak_word_counts_same_in_every_field(db):
    ArticleFactory(
        title="I forgot my password or it has expired",
        solution="1. Reset it. This works in the office or over VPN.",
    )

    hits = search("my password doesnt work")

    # "work" in the solution counts as fully as "password" in the title.
    assert hits[0].score == pytest.approx(1.0)


def test_request_verb_weighs_little(db):
    password = ArticleFactory(
        language="ru",
        title="Забыл пароль или истек срок действия пароля",
        problem="Windows пишет, что срок действия пароля истек.",
        keywords="сменить пароль, забыл пароль",
    )
    ArticleFactory(
        language="ru",
        title="Как установить программу",
        problem="Windows просит пароль администратора.",
        solution="1. Откройте портал.\n2. Если пароль сменили, войдите заново.",
    )

    hits = search("windows просит сменить пароль")

    assert hits[0].article == password


def test_focus_ignores_weaker_higher_ranked_article():
    question = "printer blank pages"
    covering = Candidate.from_index(1, 0.5, "en", ["printer blank page", "", "", ""])
    ranked = Candidate.from_index(2, 2.0, "en", ["printer", "", "", ""])

    scored = score_candidates(question, query_terms(question), [covering, ranked])
    scores = {candidate.pk: score for candidate, score, _ in scored}

    # The backend ranks the second candidate four times higher, but it covers
    # a third of the question, so the first keeps its full coverage.
    assert scores[1] == pytest.approx(1.0)
    assert scores[2] == pytest.approx(1 / 3)


@pytest.fixture
def shipped_articles(db):
    """Load the knowledge base that the product ships."""
    call_command("loaddata", str(FIXTURE), verbosity=0)


@pytest.mark.parametrize(("query", "title"), SHIPPED_CASES)
def test_shipped_article_ranks_first(shipped_articles, query, title):
    hits = search(query)

    assert hits[0].article == Article.objects.get(title=title)
    assert hits[0].score >= THRESHOLD
