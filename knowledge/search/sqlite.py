"""Search articles with SQLite FTS5.

knowledge_article_fts contains one row per published article. Its rowid is
the article's id and its columns contain the Snowball stems of title, keywords,
problem and solution (see knowledge.analysis). SQLite has no Russian stemmer,
so the stems are computed in Python both when indexing and when searching.
knowledge_article_fts_vocab lists the indexed stems, which is where typos
are corrected. Migration 0002_search_index creates both tables.
"""

from knowledge.analysis import Term
from knowledge.search.scoring import (
    FIELDS,
    MIN_FUZZY_LENGTH,
    Candidate,
    indexed_stems,
    max_edits,
    within_edits,
)

FTS_TABLE = INDEX_TABLE = "knowledge_article_fts"
VOCABULARY_TABLE = "knowledge_article_fts_vocab"
# The FTS columns are in the order of the texts of indexed_stems().
COLUMNS = FIELDS
# bm25 column weights, in the order of COLUMNS.
BM25_WEIGHTS = "10.0, 5.0, 2.5, 1.0"
# Past the last character any stem can have, to end a prefix range.
RANGE_END = "\U0010ffff"


def index_article(connection, article):
    remove_article(connection, article.pk)
    if not article.is_published:
        return
    placeholders = ", ".join(["%s"] * (len(COLUMNS) + 1))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(COLUMNS)}) "
            f"VALUES ({placeholders})",
            [article.pk, *indexed_stems(article)],
        )


def remove_article(connection, article_id):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article_id])


def remove_orphans(connection):
    """Delete the rows of articles that no longer exist, as after a flush."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {FTS_TABLE} "
            "WHERE rowid NOT IN (SELECT id FROM knowledge_article)"
        )


def rebuild_index(connection):
    from knowledge.models import Article

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
    for article in Article.objects.using(connection.alias).filter(is_published=True):
        index_article(connection, article)


def find_candidates(connection, terms: list[Term], *, category_id, limit):
    """Return the best ``limit`` published articles matching any term, as Candidates.

    Every stem is matched as a prefix, so a half-typed word finds its article.
    A stem that starts no indexed stem is replaced by the indexed stems one or
    two edits away from it, which finds typos. The rank is bm25 with
    BM25_WEIGHTS, and the stems are read back from the FTS table.
    """
    with connection.cursor() as cursor:
        tokens = []
        for term in terms:
            tokens.append(f'"{term.stem}"*')
            if not has_prefix(cursor, term.stem):
                tokens += [f'"{near}"' for near in misspelled(cursor, term.stem)]
        category_sql = "AND a.category_id = %s" if category_id is not None else ""
        cursor.execute(
            f"""
            SELECT ranked.id, ranked.rank, a.language,
                   f.title, f.keywords, f.problem, f.solution
            FROM (
                SELECT f.rowid AS id, -bm25({FTS_TABLE}, {BM25_WEIGHTS}) AS rank
                FROM {FTS_TABLE} AS f
                JOIN knowledge_article AS a ON a.id = f.rowid
                WHERE {FTS_TABLE} MATCH %s AND a.is_published {category_sql}
                ORDER BY rank DESC, f.rowid
                LIMIT %s
            ) AS ranked
            JOIN {FTS_TABLE} AS f ON f.rowid = ranked.id
            JOIN knowledge_article AS a ON a.id = ranked.id
            ORDER BY ranked.rank DESC, ranked.id
            """,
            [
                " OR ".join(tokens),
                *([category_id] if category_id is not None else []),
                limit,
            ],
        )
        return [
            Candidate.from_index(article_id, float(rank), language, indexed)
            for article_id, rank, language, *indexed in cursor.fetchall()
        ]


def has_prefix(cursor, stem):
    cursor.execute(
        f"SELECT 1 FROM {VOCABULARY_TABLE} WHERE term >= %s AND term < %s LIMIT 1",
        [stem, stem + RANGE_END],
    )
    return cursor.fetchone() is not None


def misspelled(cursor, stem):
    """Return indexed stems a typo away from ``stem`` that share its first letter."""
    if len(stem) < MIN_FUZZY_LENGTH:
        return []
    limit = max_edits(len(stem))
    cursor.execute(
        f"SELECT term FROM {VOCABULARY_TABLE} "
        "WHERE term >= %s AND term < %s AND length(term) BETWEEN %s AND %s",
        [stem[0], stem[0] + RANGE_END, len(stem) - limit, len(stem) + limit],
    )
    return [term for (term,) in cursor.fetchall() if within_edits(stem, term, limit)]
