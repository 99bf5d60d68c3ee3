"""Measure search quality on a file of questions with known answers.

Each line of the file is ``question<TAB>expected``. ``expected`` is a
case-insensitive regular expression that the title of a right article
matches, or "-" for a question no article should answer. Blank lines and
lines starting with "#" are skipped.
"""

import re
from dataclasses import dataclass

from knowledge.search import search

NO_ARTICLE = "-"
SEARCH_LIMIT = 5


class EvaluationFileError(ValueError):
    """A line of the evaluation file is invalid."""


@dataclass(frozen=True)
class Case:
    line_number: int
    query: str
    expected: re.Pattern | None


@dataclass(frozen=True)
class Outcome:
    case: Case
    titles: list[str]
    scores: list[float]
    rank: int | None  # 1-based rank of the first right article, None if absent

    @property
    def best_score(self):
        return self.scores[0] if self.scores else 0.0


@dataclass(frozen=True)
class Report:
    recall_at_1: float
    recall_at_3: float
    mrr: float
    unanswerable_handed_off: float
    answerable_answered: float
    answerable_count: int
    unanswerable_count: int


def parse_cases(lines):
    """Return the cases of an evaluation file given as an iterable of lines."""
    cases = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        query, tab, expected = line.partition("\t")
        expected = expected.strip()
        if not tab or not query.strip() or not expected:
            raise EvaluationFileError(
                f"Line {number} is invalid: expected 'question<TAB>expected', "
                f"got {line!r}."
            )
        pattern = None
        if expected != NO_ARTICLE:
            try:
                pattern = re.compile(expected, re.IGNORECASE)
            except re.error as error:
                raise EvaluationFileError(
                    f"Line {number} has an invalid regular expression "
                    f"{expected!r}: {error}."
                ) from error
        cases.append(Case(number, query.strip(), pattern))
    return cases


def run_case(case):
    hits = search(case.query, limit=SEARCH_LIMIT)
    titles = [hit.article.title for hit in hits]
    rank = None
    if case.expected is not None:
        for position, title in enumerate(titles, 1):
            if case.expected.search(title):
                rank = position
                break
    return Outcome(case, titles, [hit.score for hit in hits], rank)


def summarize(outcomes, threshold):
    answerable = [o for o in outcomes if o.case.expected is not None]
    unanswerable = [o for o in outcomes if o.case.expected is None]

    def share(items, condition):
        if not items:
            return 0.0
        return sum(1 for item in items if condition(item)) / len(items)

    reciprocal_ranks = [1 / o.rank if o.rank else 0.0 for o in answerable]
    return Report(
        recall_at_1=share(answerable, lambda o: o.rank == 1),
        recall_at_3=share(answerable, lambda o: o.rank is not None and o.rank <= 3),
        mrr=sum(reciprocal_ranks) / len(answerable) if answerable else 0.0,
        unanswerable_handed_off=share(unanswerable, lambda o: o.best_score < threshold),
        answerable_answered=share(answerable, lambda o: o.best_score >= threshold),
        answerable_count=len(answerable),
        unanswerable_count=len(unanswerable),
    )


def failure_reason(outcome, threshold):
    """Return why an outcome counts as a failure, or "" when it does not."""
    if outcome.case.expected is None:
        if outcome.best_score >= threshold:
            return "answered a question no article covers"
        return ""
    if outcome.rank is None or outcome.rank > 3:
        return "right article not in the top 3"
    if outcome.rank > 1:
        return f"right article ranked {outcome.rank}"
    if outcome.best_score < threshold:
        return "right article scored below the threshold"
    return ""
