"""Web-search operators on the knowledge pages: "-word" and "quoted phrase"."""

import pytest
from django.urls import reverse

from knowledge.analysis import parse_operators, stem
from knowledge.search import search
from knowledge.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def printer_articles():
    return {
        "stuck": ArticleFactory(
            title="The printer does not print",
            problem="Documents wait in the print queue.",
            solution="Restart the print spooler.",
        ),
        "scan": ArticleFactory(
            title="Scan a document on the printer",
            problem="The printer cannot scan to e-mail.",
            solution="Choose Scan to e-mail on the printer panel.",
        ),
        "network": ArticleFactory(
            title="Add a network printer",
            problem="The network printer is missing from the list.",
            solution="Add the printer by its name.",
        ),
    }


def titles(hits):
    return {hit.article.title for hit in hits}


def test_minus_word_leaves_out_articles(printer_articles):
    hits = search("printer -scan", operators=True)

    assert "Scan a document on the printer" not in titles(hits)
    assert "The printer does not print" in titles(hits)


def test_quoted_words_are_all_required(printer_articles):
    hits = search('"network printer"', operators=True)

    assert titles(hits) == {"Add a network printer"}


def test_chat_search_ignores_operators(printer_articles):
    hits = search("printer -scan", operators=False)

    assert "Scan a document on the printer" in titles(hits)


def test_hyphenated_word_is_no_operator():
    text, operators = parse_operators("Wi-Fi drops -scan")

    assert "Wi-Fi" in text
    assert operators.excluded == {stem("scan")}


def test_knowledge_page_applies_operators(client, printer_articles):
    response = client.get(reverse("knowledge:index"), {"q": "printer -scan"})

    # Titles come with the question's words highlighted, so parts are compared.
    assert response.status_code == 200
    assert "does not print" in response.text
    assert "document on the" not in response.text
