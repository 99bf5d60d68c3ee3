"""Search articles with PostgreSQL full-text search and trigram similarity.

The search_vector column of knowledge_article, which is not a model field,
contains the article's words weighted title A, keywords B, problem C and
solution D. They are parsed with the "russian" configuration, which stems
Cyrillic words with Snowball Russian and Latin words with Snowball English.
Migration 0002_search_index creates the column, a GIN index on it and GIN
trigram indexes on title and keywords.

Ranking thousands of matching articles with ts_rank read every one of their
vectors, about 50 ms a question on 10,000 generated articles. So the
knowledge_article_term table (migration 0003_article_term) stores, for every
published article and lexeme of its vector, that lexeme's part of ts_rank,
and a search adds up the parts of the question's lexemes from a B-tree index.

Migration 0004_stems_and_lexemes adds two tables. knowledge_article_stems
stores the Python-made stems of every published article's fields, which the
scorer reads for the best candidates. knowledge_lexeme lists the distinct
lexemes of knowledge_article_term with a trigram index, where the words of a
question that no article contains are corrected.
"""

from itertools import islice

from django.db import transaction

from knowledge.analysis import Term
from knowledge.search.scoring import (
    MIN_FUZZY_LENGTH,
    Candidate,
    indexed_stems,
    max_edits,
    within_edits,
)

TERM_TABLE = "knowledge_article_term"
STEMS_TABLE = "knowledge_article_stems"
LEXEME_TABLE = "knowledge_lexeme"
# The last index table that the migrations create. When it exists, so do the
# others.
INDEX_TABLE = STEMS_TABLE
STEMS_INSERT_SQL = (
    f"INSERT INTO {STEMS_TABLE} (article_id, title, keywords, problem, solution) "
    "VALUES (%s, %s, %s, %s, %s)"
)
# Articles stemmed and inserted at a time by rebuild_index.
REBUILD_BATCH_SIZE = 1000
VECTOR_SQL = """
    setweight(to_tsvector('russian', coalesce(title, '')), 'A')
    || setweight(to_tsvector('russian', coalesce(keywords, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(problem, '')), 'C')
    || setweight(to_tsvector('russian', coalesce(solution, '')), 'D')
"""
# Weights of D, C, B and A fields in ts_rank, the PostgreSQL defaults.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
# Trigram similarity (pg_trgm) at which an indexed lexeme may correct a typo.
# Lower than pg_trgm's default of 0.3, because one changed letter in the
# middle of a four-letter stem leaves a similarity of 0.25. Only lexemes
# within max_edits() of the stem are then kept.
MIN_SIMILARITY = 0.2
# Weight of the lexemes that correct a typo against the question's own
# lexemes, so that typo-only matches rank last.
CORRECTION_SHARE = 0.1


# One row of knowledge_article_term for each lexeme of a published article's
# vector. rank is that lexeme's part of ts_rank with RANK_WEIGHTS, before
# ts_rank divides the sum by the number of distinct query lexemes. With w
# the weights of the lexeme's positions in order, j counted from 1, and w[m]
# the first largest weight:
#     rank = (w[m] + sum(w[j] / j^2) - w[m] / m^2) / 1.64493406685
# For one question on the benchmark's articles, the top three sums equalled
# ts_rank's values on PostgreSQL 15.20.
TERM_ROWS_SQL = """
    INSERT INTO knowledge_article_term (article_id, lexeme, rank)
    SELECT a.id, entry.lexeme, (
        SELECT (max(top) + sum(weight / (place * place))
                - max(top) / min(place) FILTER (WHERE weight = top) ^ 2)
               / 1.64493406685
        FROM (
            SELECT weight, place, max(weight) OVER () AS top
            FROM unnest(array(
                SELECT CASE letter WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.4
                                   WHEN 'C' THEN 0.2 ELSE 0.1 END
                FROM unnest(entry.weights) AS letter
            )) WITH ORDINALITY AS position (weight, place)
        ) AS position
    )
    FROM knowledge_article AS a, unnest(a.search_vector) AS entry
    WHERE {condition}
"""
# Past the last character any lexeme can have, to end a prefix range.
RANGE_END = "\U0010ffff"


def index_article(connection, article):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE knowledge_article SET search_vector = {VECTOR_SQL} WHERE id = %s",
            [article.pk],
        )
        remove_article(connection, article.pk)
        cursor.execute(
            TERM_ROWS_SQL.format(condition="a.id = %s AND a.is_published"),
            [article.pk],
        )
        cursor.execute(
            f"INSERT INTO {LEXEME_TABLE} (lexeme) "
            f"SELECT DISTINCT lexeme FROM {TERM_TABLE} WHERE article_id = %s "
            "ON CONFLICT DO NOTHING",
            [article.pk],
        )
        if article.is_published:
            cursor.execute(STEMS_INSERT_SQL, [article.pk, *indexed_stems(article)])


def remove_article(connection, article_id):
    with connection.cursor() as cursor:
        # Drop the lexemes that no other article contains before the rows
        # that show which ones they are.
        cursor.execute(
            f"""
            DELETE FROM {LEXEME_TABLE} AS vocabulary
            WHERE vocabulary.lexeme IN (
                SELECT lexeme FROM {TERM_TABLE} WHERE article_id = %s
            )
            AND NOT EXISTS (
                SELECT 1 FROM {TERM_TABLE} AS term
                WHERE term.lexeme = vocabulary.lexeme AND term.article_id <> %s
            )
            """,
            [article_id, article_id],
        )
        for table in (TERM_TABLE, STEMS_TABLE):
            cursor.execute(f"DELETE FROM {table} WHERE article_id = %s", [article_id])


def remove_orphans(connection):
    """Delete the rows of articles that no longer exist, as after a flush."""
    with connection.cursor() as cursor:
        for table in (TERM_TABLE, STEMS_TABLE):
            cursor.execute(
                f"""
                DELETE FROM {table} AS indexed
                WHERE NOT EXISTS (
                    SELECT 1 FROM knowledge_article AS a
                    WHERE a.id = indexed.article_id
                )
                """
            )
        cursor.execute(
            f"""
            DELETE FROM {LEXEME_TABLE} AS vocabulary
            WHERE NOT EXISTS (
                SELECT 1 FROM {TERM_TABLE} AS term
                WHERE term.lexeme = vocabulary.lexeme
            )
            """
        )


def rebuild_index(connection):
    from knowledge.models import Article

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE knowledge_article SET search_vector = {VECTOR_SQL}")
        cursor.execute(f"DELETE FROM {TERM_TABLE}")
        cursor.execute(TERM_ROWS_SQL.format(condition="a.is_published"))
        cursor.execute(f"DELETE FROM {LEXEME_TABLE}")
        cursor.execute(
            f"INSERT INTO {LEXEME_TABLE} (lexeme) "
            f"SELECT DISTINCT lexeme FROM {TERM_TABLE}"
        )
        cursor.execute(f"DELETE FROM {STEMS_TABLE}")

        published = Article.objects.using(connection.alias).filter(is_published=True)
        articles = published.only("title", "keywords", "problem", "solution")
        articles = articles.iterator(chunk_size=REBUILD_BATCH_SIZE)
        while batch := list(islice(articles, REBUILD_BATCH_SIZE)):
            rows = [[article.pk, *indexed_stems(article)] for article in batch]
            cursor.executemany(STEMS_INSERT_SQL, rows)


def find_candidates(connection, terms: list[Term], *, category_id, limit):
    """Return the best ``limit`` published articles matching any term, as Candidates.

    Each word is parsed with the "russian" configuration and matched as a
    prefix, so that a half-typed word finds its article. The rank equals
    ts_rank with RANK_WEIGHTS of the vector against the prefix query of the
    words. A word of four letters or more that starts no indexed word is
    also replaced by the indexed lexemes a typo away from its stem (see
    ``corrected_lexemes``), which rank CORRECTION_SHARE as high.
    """
    words = [term.word for term in terms]
    category_sql = category_join = ""
    category_params = []
    if category_id is not None:
        category_sql = "AND a.category_id = %s"
        category_join = "JOIN knowledge_article AS a ON a.id = term.article_id"
        category_params = [category_id]

    # The lexemes are read from the index of knowledge_article_term, which
    # contains published articles only.
    branches = [
        f"""
        SELECT term.article_id AS id,
               sum(term.rank) / (SELECT count(*) FROM query_lexeme) AS rank
        FROM query_lexeme
        JOIN knowledge_article_term AS term
          ON term.lexeme >= query_lexeme.lexeme
         AND term.lexeme < (query_lexeme.lexeme || %s) COLLATE "C"
        {category_join}
        WHERE true {category_sql}
        GROUP BY term.article_id
        """
    ]
    params = [" ".join(words), RANGE_END, *category_params]

    corrections = corrected_lexemes(connection, terms)
    if corrections:
        branches.append(
            f"""
            SELECT term.article_id AS id,
                   {CORRECTION_SHARE} * sum(term.rank)
                   / (SELECT count(*) FROM query_lexeme) AS rank
            FROM knowledge_article_term AS term
            {category_join}
            WHERE term.lexeme = ANY(%s::text[]) {category_sql}
            GROUP BY term.article_id
            """
        )
        params += [corrections, *category_params]
    # The planner cannot estimate the lexeme ranges, so its cost estimate
    # passes jit_above_cost and JIT compiling took longer than the query.
    rows = fetch_with_settings(
        connection, {"jit": "off"}, candidates_sql(branches), [*params, limit]
    )
    return [
        Candidate.from_index(article_id, float(rank), language, indexed)
        for article_id, rank, language, *indexed in rows
    ]


def candidates_sql(branches):
    """Return the query that ranks the articles the branches find, best first.

    Each branch selects (id, rank) with one row per article, so a single
    branch needs no second grouping.
    """
    if len(branches) == 1:
        ranked = f"{branches[0]} ORDER BY rank DESC, id LIMIT %s"
    else:
        ranked = f"""
            SELECT candidate.id, sum(candidate.rank) AS rank
            FROM ({" UNION ALL ".join(branches)}) AS candidate
            GROUP BY candidate.id
            ORDER BY rank DESC, candidate.id
            LIMIT %s
        """
    return f"""
        WITH query_lexeme AS (
            SELECT DISTINCT lexeme COLLATE "C" AS lexeme
            FROM unnest(to_tsvector('russian', %s))
        ), ranked AS ({ranked})
        SELECT ranked.id, ranked.rank, a.language,
               stems.title, stems.keywords, stems.problem, stems.solution
        FROM ranked
        JOIN {STEMS_TABLE} AS stems ON stems.article_id = ranked.id
        JOIN knowledge_article AS a ON a.id = ranked.id
        ORDER BY ranked.rank DESC, ranked.id
    """


def corrected_lexemes(connection, terms):
    """Return the indexed lexemes a typo away from the words that no article has.

    Only words of MIN_FUZZY_LENGTH letters or more that start no indexed
    lexeme are corrected. The knowledge_lexeme table proposes the lexemes
    whose trigram similarity to the word's stem reaches MIN_SIMILARITY, and
    those within ``max_edits`` of the stem are kept, as the scorer counts them.
    """
    unknown = [term for term in terms if len(term.word) >= MIN_FUZZY_LENGTH]
    if not unknown:
        return []
    sql = f"""
        SELECT question.stem, array(
            SELECT lexeme FROM {LEXEME_TABLE} WHERE lexeme %% question.stem
        )
        FROM unnest(%s::text[], %s::text[]) AS question (word, stem)
        WHERE NOT EXISTS (
            SELECT 1
            FROM unnest(to_tsvector('russian', question.word)) AS query_lexeme
            WHERE EXISTS (
                SELECT 1 FROM {TERM_TABLE} AS term
                WHERE term.lexeme >= query_lexeme.lexeme COLLATE "C"
                  AND term.lexeme < (query_lexeme.lexeme || %s) COLLATE "C"
            )
        )
    """
    params = [[term.word for term in unknown], [term.stem for term in unknown]]
    rows = fetch_with_settings(
        connection,
        {"pg_trgm.similarity_threshold": str(MIN_SIMILARITY)},
        sql,
        [*params, RANGE_END],
    )
    corrections = set()
    for stem, lexemes in rows:
        limit = max_edits(len(stem))
        corrections.update(
            lexeme for lexeme in lexemes if within_edits(stem, lexeme, limit)
        )
    return sorted(corrections)


def fetch_with_settings(connection, settings, sql, params):
    """Run ``sql`` with ``settings`` changed for its transaction, and return its rows.

    With client-side binding, Django's default for psycopg 3, the settings
    and the query go in one round trip, as one implicit transaction. Under
    load every round trip waits for the server process to be scheduled.
    Inside a transaction the settings last until it ends.

    NOTE: no test covers the path for server-side binding.
    """
    names = ", ".join("set_config(%s, %s, true)" for _ in settings)
    set_params = [item for setting in settings.items() for item in setting]
    with connection.cursor() as cursor:
        if connection.settings_dict["OPTIONS"].get("server_side_binding"):
            # A prepared statement contains one command only.
            with transaction.atomic(using=connection.alias, savepoint=False):
                cursor.execute(f"SELECT {names}", set_params)
                cursor.execute(sql, params)
                return cursor.fetchall()
        cursor.execute(f"SELECT {names}; {sql}", [*set_params, *params])
        cursor.nextset()
        return cursor.fetchall()
