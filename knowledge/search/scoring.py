"""Score how well an article matches a question, the same way on every database.

The database only proposes candidates and ranks them. The score is computed
here from the stems of the article's text, which both backends store when
they index the article (see ``indexed_stems``). So PostgreSQL and SQLite give
the same score to the same article, and the chat can compare it with one
confidence threshold.

For a question with content words t (stop words removed, Snowball-stemmed)
and an article a:

    match(t, a)  = max over fields f of field_weight(f) * credit(t, f)
    coverage(a)  = sum(weight(t) * match(t, a)) / max(sum(weight(t)), 1)
    focus(a)     = 1 if the question is one of a's keyword phrases,
                   else rank(a) / max rank of the articles b with
                   coverage(b) >= coverage(a)
    score(a)     = coverage(a) * (0.8 + 0.2 * focus(a))
                   * (1 if a is in the question's language else 0.97)

field_weight(f) is the field's FIELD_WEIGHTS entry. For the keywords it
applies only to the comma-separated keyword phrases that the question
contains whole, weak words aside: "вайфай" contains "вайфай не пашет". The
other phrases weigh PARTIAL_PHRASE_WEIGHT, because one word of a phrase is
weaker evidence: "multifunction printer" in an article about scanning does
not make it an answer to "printer prints blank pages".

credit(t, f) is 1.0 when the field contains the stem. It is PREFIX_CREDIT
when a stem in the field starts with it, as for a word typed halfway
("принт"), or is its start, because Snowball stems verb forms differently
("редактир" for "редактирует", "редактирова" for "редактировать"). It is
FUZZY_CREDIT when a stem is one or two edits away, as for a typo ("outlok").
A stem that is itself a word of the question earns no prefix or typo credit
for another word: in "printer prints", "printer" counts for "printer" only.
An English stem that some candidate contains is a whole word, and Snowball
English strips its inflections, so a longer stem that starts with it is
another word ("printer", "driver"): it earns LONGER_WORD_CREDIT. Russian
stems keep PREFIX_CREDIT, because Snowball Russian gives the forms of one
word different stems ("подключ", "подключа") and employees shorten words
("ноут" for "ноутбук").

weight(t) is 1, or WEAK_WEIGHT for words such as "не работает" that say
nothing about the topic. The denominator is at least 1, and the coverage of a
question made of weak words alone ("не работает, помогите") is capped at
WEAK_WEIGHT, so such a question never reaches the confidence threshold.
The field where a weak word occurs says as little about the topic as the
word does, so a weak word gets field weight 1 in every field: "work" in "my
password doesn't work" does not favour the article with the keyword "work
email" over the one on passwords.

rank(a) is the backend's rank (ts_rank or bm25). Because focus moves a score
by at most a fifth, it mostly orders articles that cover the question about
equally well. It compares a's rank only with the articles that cover the
question at least as well, so a backend that ranks a weaker article higher
does not lower the best one: bm25 ranks the scanning article first for
"printer prints blank pages" by its keyword "scan several pages", which put
the printer article under the confidence threshold. A question that equals
one of an article's comma-separated keyword phrases, compared as sets of
stems, counts as the best rank: "впн" is a keyword of "VPN does not
connect", while "VPN keeps disconnecting" mentions "впн" more often. The
language factor puts the article in the question's language before its
translation.
"""

from dataclasses import dataclass
from itertools import groupby

from knowledge.analysis import CYRILLIC_REGEX, WEAK_STEMS, WEAK_WEIGHT, stems

FIELDS = ("title", "keywords", "problem", "solution")
FIELD_WEIGHTS = {"title": 1.0, "keywords": 1.0, "problem": 0.85, "solution": 0.5}
PARTIAL_PHRASE_WEIGHT = 0.9
PREFIX_CREDIT = 0.9
FUZZY_CREDIT = 0.8
LONGER_WORD_CREDIT = 0.5
RANK_SHARE = 0.2
OTHER_LANGUAGE_FACTOR = 0.97
# The factor when the caller names the reader's language, as the chat does
# for its reply: the version of an article in that language should win over
# another language's version that matches a few more Latin product names.
NAMED_LANGUAGE_FACTOR = 0.9

# A stem this long may start a longer one ("комп" starts "компьютер").
MIN_PREFIX_LENGTH = 3
# An indexed stem this long may match the start of a longer question's stem.
# Shorter ones would let a typo ("принтр") match a different word ("принт").
MIN_SHORTENED_LENGTH = 6
MIN_FUZZY_LENGTH = 4
# Stems of at least this many letters may be two edits away, shorter ones one.
TWO_EDITS_LENGTH = 7


@dataclass(frozen=True)
class TermMatch:
    """The credit one question word earned in one article."""

    word: str
    credit: float


@dataclass(frozen=True)
class Candidate:
    """An article that the backend proposed, with the stems scoring reads.

    ``fields`` maps each of FIELDS to the set of its stems. ``keyword_text``
    is the keywords text that ``indexed_stems`` made, with commas between
    the phrases.
    """

    pk: int
    rank: float
    language: str
    fields: dict[str, frozenset[str]]
    keyword_text: str

    @classmethod
    def from_index(cls, pk, rank, language, indexed):
        """Build a candidate from the four texts that ``indexed_stems`` made."""
        title, keywords, problem, solution = indexed
        fields = {
            "title": frozenset(title.split()),
            "keywords": frozenset(keywords.replace(",", " ").split()),
            "problem": frozenset(problem.split()),
            "solution": frozenset(solution.split()),
        }
        return cls(pk, rank, language, fields, keywords)


def indexed_stems(article):
    """Return the stems of each of FIELDS of an article, as the index stores them.

    Stems are separated by spaces. Keyword phrases are also separated by
    commas, so that ``Candidate.from_index`` can tell them apart. Storing
    them spares each search from stemming every candidate's text again.
    """
    phrases = (" ".join(stems(phrase)) for phrase in article.keywords.split(","))
    return [
        " ".join(stems(article.title)),
        ", ".join(phrases),
        " ".join(stems(article.problem)),
        " ".join(stems(article.solution)),
    ]


def is_keyword_phrase(terms, candidate):
    """Return True when the question's stems are one of the article's keywords."""
    question = frozenset(term.stem for term in terms)
    # Most candidates lack one of the stems, which spares splitting the phrases.
    if not question <= candidate.fields["keywords"]:
        return False
    phrases = candidate.keyword_text.split(",")
    return any(frozenset(phrase.split()) == question for phrase in phrases)


def max_edits(length):
    return 2 if length >= TWO_EDITS_LENGTH else 1


def within_edits(first, second, limit):
    """Return True when the strings are at most ``limit`` edits apart.

    Edits are insertions, deletions, substitutions and swaps of neighbouring
    letters (optimal string alignment distance).
    """
    if abs(len(first) - len(second)) > limit:
        return False
    # Each edit brings in or removes at most one distinct letter, so this
    # rejects most pairs before the quadratic loop.
    first_letters = set(first)
    second_letters = set(second)
    if len(first_letters - second_letters) > limit:
        return False
    if len(second_letters - first_letters) > limit:
        return False
    before_previous = None
    previous = list(range(len(second) + 1))
    for i, first_char in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, second_char in enumerate(second, 1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (first_char != second_char),
            )
            swapped = (
                i > 1
                and j > 1
                and first_char == second[j - 2]
                and first[i - 2] == second_char
            )
            if swapped:
                current[j] = min(current[j], before_previous[j - 2] + 1)
        if min(current) > limit:
            return False
        before_previous, previous = previous, current
    return previous[-1] <= limit


def near_stems(term_stem, vocabulary):
    """Return the stems of ``vocabulary`` that extend, shorten or nearly spell a stem.

    Returns two sets: stems that start with ``term_stem`` or that it starts
    with, and stems a typo away from it. Typos are looked for only when
    neither exists, so a correctly spelled word never matches its neighbours
    ("почта" does not match "пост").
    """
    prefixed = set()
    if len(term_stem) >= MIN_PREFIX_LENGTH:
        prefixed = {s for s in vocabulary if s != term_stem and s.startswith(term_stem)}
    if len(term_stem) > MIN_SHORTENED_LENGTH:
        prefixed |= {
            term_stem[:length]
            for length in range(MIN_SHORTENED_LENGTH, len(term_stem))
            if term_stem[:length] in vocabulary
        }
    if term_stem in vocabulary or prefixed or len(term_stem) < MIN_FUZZY_LENGTH:
        return prefixed, set()
    limit = max_edits(len(term_stem))
    lengths = range(len(term_stem) - limit, len(term_stem) + limit + 1)
    fuzzy = {
        s for s in vocabulary if len(s) in lengths and within_edits(term_stem, s, limit)
    }
    return prefixed, fuzzy


def related_stems(term_stem, vocabulary, question_stems):
    """Return the stems of ``vocabulary`` that match a question stem, with credits.

    Returns (credit, stems) pairs, best credit first, starting with the stem
    itself and leaving out empty sets. ``question_stems`` are all the
    question's stems, which count for themselves only.
    """
    prefixed, fuzzy = near_stems(term_stem, vocabulary)
    prefixed -= question_stems
    fuzzy -= question_stems
    longer = set()
    if term_stem in vocabulary and not CYRILLIC_REGEX.search(term_stem):
        longer = {s for s in prefixed if len(s) > len(term_stem)}
        prefixed -= longer
    pairs = (
        (1.0, {term_stem}),
        (PREFIX_CREDIT, prefixed),
        (FUZZY_CREDIT, fuzzy),
        (LONGER_WORD_CREDIT, longer),
    )
    return tuple((credit, found) for credit, found in pairs if found)


def match_terms(terms, candidates):
    """Return, for each candidate's id, a TermMatch for every question term."""
    vocabulary = set()
    for candidate in candidates:
        vocabulary.update(*candidate.fields.values())
    question_stems = {term.stem for term in terms}
    related = {
        term.stem: related_stems(term.stem, vocabulary, question_stems)
        for term in terms
    }

    matched = set()
    for pairs in related.values():
        for _, stems_with_credit in pairs:
            matched |= stems_with_credit
    matched_or_weak = matched | WEAK_STEMS
    has_weak_terms = any(term.weight <= WEAK_WEIGHT for term in terms)

    matches = {}
    for candidate in candidates:
        fields = weighted_fields(candidate, matched, matched_or_weak)
        unweighted = fields
        if has_weak_terms:
            unweighted = tuple((1.0, field_stems) for _, field_stems in fields)
        matches[candidate.pk] = [
            TermMatch(
                term.word,
                term_credit(
                    related[term.stem],
                    unweighted if term.weight <= WEAK_WEIGHT else fields,
                ),
            )
            for term in terms
        ]
    return matches


def weighted_fields(candidate, matched, matched_or_weak):
    """Return (weight, stems) pairs of a candidate's fields for a question.

    ``matched`` are the indexed stems that some word of the question
    matches, and ``matched_or_weak`` are those and WEAK_STEMS. The keywords
    are split in two: the phrases whose stems, less weak ones, are all
    matched weigh FIELD_WEIGHTS["keywords"], and the others weigh
    PARTIAL_PHRASE_WEIGHT.
    """
    fields = candidate.fields
    whole = set()
    # Candidates whose keywords match no word of the question skip splitting
    # them into phrases, which is most of the time this function takes.
    if not fields["keywords"].isdisjoint(matched):
        for phrase in candidate.keyword_text.split(","):
            phrase_stems = phrase.split()
            if not matched_or_weak.issuperset(phrase_stems):
                continue
            # A phrase of weak words alone is whole only when all of them match.
            all_weak = WEAK_STEMS.issuperset(phrase_stems)
            if not all_weak or matched.issuperset(phrase_stems):
                whole.update(phrase_stems)
    return (
        (FIELD_WEIGHTS["title"], fields["title"]),
        (FIELD_WEIGHTS["keywords"], whole),
        (PARTIAL_PHRASE_WEIGHT, fields["keywords"] - whole),
        (FIELD_WEIGHTS["problem"], fields["problem"]),
        (FIELD_WEIGHTS["solution"], fields["solution"]),
    )


def term_credit(related, fields):
    """Return the best field weight times credit that the related stems earn."""
    best = 0.0
    for weight, field_stems in fields:
        for credit, stems_with_credit in related:
            if stems_with_credit & field_stems:
                best = max(best, weight * credit)
                break
    return best


def coverage(terms, term_matches):
    """Return the weighted share of the question's words an article covers."""
    total = sum(term.weight for term in terms)
    covered = sum(
        term.weight * match.credit
        for term, match in zip(terms, term_matches, strict=True)
    )
    share = covered / max(total, 1.0)
    if all(term.weight <= WEAK_WEIGHT for term in terms):
        share = min(share, WEAK_WEIGHT)
    return share


def best_covering_ranks(candidates, coverages):
    """Return, for each candidate's id, the focus denominator of combine().

    ``coverages`` maps each candidate's id to its coverage. A candidate's
    value is the maximum rank among the candidates whose coverage is at
    least its own, itself included.
    """
    by_coverage = sorted(candidates, key=lambda c: coverages[c.pk], reverse=True)
    best_ranks = {}
    best = 0.0
    for _, group in groupby(by_coverage, key=lambda c: coverages[c.pk]):
        group = list(group)
        best = max(best, max(candidate.rank for candidate in group))
        for candidate in group:
            best_ranks[candidate.pk] = best
    return best_ranks


def combine(
    coverage_value,
    rank,
    best_rank,
    *,
    keyword_phrase,
    same_language,
    language_factor=OTHER_LANGUAGE_FACTOR,
):
    """Return the score in [0, 1] from coverage, backend rank and language."""
    focus = rank / best_rank if best_rank > 0 else 1.0
    if keyword_phrase:
        focus = 1.0
    focus = min(max(focus, 0.0), 1.0)
    score = coverage_value * (1 - RANK_SHARE + RANK_SHARE * focus)
    if not same_language:
        score *= language_factor
    return min(max(score, 0.0), 1.0)
