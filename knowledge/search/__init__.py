"""Find the knowledge-base articles that answer an employee's question.

``search()`` is the one entry point. The database backend (PostgreSQL
full-text search or SQLite FTS5) proposes and ranks candidates, and
``knowledge.search.scoring`` scores them in Python, so a score means the same
on both databases.
"""

import logging
from dataclasses import dataclass, field

from django.db import connections, router

from knowledge.analysis import Operators, language_of, parse_operators, query_terms
from knowledge.models import Article, Category
from knowledge.search import backends, scoring

logger = logging.getLogger(__name__)

# The backend proposes this many candidates at most; the scorer picks the best.
CANDIDATE_LIMIT = 50
# Hits scoring below this share nothing with the question worth showing.
MIN_SCORE = 0.15


@dataclass(frozen=True)
class SearchHit:
    """An article that matches a question.

    ``score`` in [0, 1] measures how well the article covers the question; the
    chat uses the best hit's score as its confidence. ``matched_terms`` are
    the question's words, lower-cased, that the article contains.
    """

    article: Article
    score: float
    matched_terms: list[str] = field(default_factory=list)


def search(query, *, category=None, limit=5, operators=False, language=None):
    """Return up to ``limit`` published articles matching ``query``, best first.

    ``category`` is a Category, its slug, or None for all categories. With
    ``operators``, "-word" leaves out articles that contain the word and the
    words of a "quoted phrase" must all occur in a result. The chat leaves
    them off, because an employee's message is not a search query.
    ``language`` ("ru" or "en") is the reader's, and articles in it are
    preferred more strongly (scoring.NAMED_LANGUAGE_FACTOR) than the language
    read from the query's letters, which is the default.
    """
    query = query or ""
    rules = Operators()
    if operators:
        query, rules = parse_operators(query)
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    category_id = None
    if category is not None and category != "":
        category_id = category_pk(category)
        if category_id is None:
            return []

    using = router.db_for_read(Article)
    backend = backends.for_connection(connections[using])
    candidates = backend.find_candidates(
        connections[using], terms, category_id=category_id, limit=CANDIDATE_LIMIT
    )
    if rules.excluded or rules.required:
        candidates = [candidate for candidate in candidates if rules.admit(candidate)]
    if not candidates:
        return []
    scored = score_candidates(query, terms, candidates, language)[:limit]

    # Only the hits shown are loaded, because scoring needs none of the text.
    found = Article.objects.using(using).select_related("category")
    found = found.in_bulk([candidate.pk for candidate, _, _ in scored])
    return [
        SearchHit(article=found[candidate.pk], score=score, matched_terms=matched)
        for candidate, score, matched in scored
        if candidate.pk in found
    ]


def score_candidates(query, terms, candidates, language=None):
    """Score the candidates and return (candidate, score, matched words), best first.

    Candidates scoring below MIN_SCORE are left out.
    """
    factor = scoring.OTHER_LANGUAGE_FACTOR
    if language:
        factor = scoring.NAMED_LANGUAGE_FACTOR
    else:
        language = language_of(query)
    matches = scoring.match_terms(terms, candidates)
    coverages = {
        candidate.pk: scoring.coverage(terms, matches[candidate.pk])
        for candidate in candidates
    }
    best_ranks = scoring.best_covering_ranks(candidates, coverages)
    ranked = []
    for candidate in candidates:
        term_matches = matches[candidate.pk]
        keyword_phrase = scoring.is_keyword_phrase(terms, candidate)
        score = scoring.combine(
            coverages[candidate.pk],
            candidate.rank,
            best_ranks[candidate.pk],
            keyword_phrase=keyword_phrase,
            same_language=not language or candidate.language == language,
            language_factor=factor,
        )
        if score < MIN_SCORE:
            continue
        matched = [match.word for match in term_matches if match.credit > 0]
        order = (-score, not keyword_phrase, -candidate.rank, candidate.pk)
        ranked.append((order, (candidate, score, matched)))
    ranked.sort(key=lambda item: item[0])
    return [hit for _, hit in ranked]


def category_pk(category):
    """Return the id of a Category or of the category with this slug, or None."""
    if isinstance(category, Category):
        return category.pk
    return Category.objects.filter(slug=category).values_list("pk", flat=True).first()
