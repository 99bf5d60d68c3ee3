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
"""

from django.db import transaction

from knowledge.analysis import Term

INDEX_TABLE = "knowledge_article_term"
VECTOR_SQL = """
    setweight(to_tsvector('russian', coalesce(title, '')), 'A')
    || setweight(to_tsvector('russian', coalesce(keywords, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(problem, '')), 'C')
    || setweight(to_tsvector('russian', coalesce(solution, '')), 'D')
"""
# Weights of D, C, B and A fields in ts_rank, the PostgreSQL defaults.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
# Fields compared by trigram similarity with question words that no article
# contains, to find typos. The problem text is left out because
# word_similarity over it took about 0.9 s for one word on 10,000 generated
# articles.
TRIGRAM_FIELDS = ("title", "keywords")
MIN_TRIGRAM_LENGTH = 4
# Weight of trigram similarity against ts_rank, so typo-only matches rank last.
TRIGRAM_SHARE = 0.1


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
        cursor.execute(
            "DELETE FROM knowledge_article_term WHERE article_id = %s", [article.pk]
        )
        cursor.execute(
            TERM_ROWS_SQL.format(condition="a.id = %s AND a.is_published"),
            [article.pk],
        )


def remove_article(connection, article_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM knowledge_article_term WHERE article_id = %s", [article_id]
        )


def remove_orphans(connection):
    """Delete the rows of articles that no longer exist, as after a flush."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM knowledge_article_term AS term
            WHERE NOT EXISTS (
                SELECT 1 FROM knowledge_article AS a WHERE a.id = term.article_id
            )
            """
        )


def rebuild_index(connection):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE knowledge_article SET search_vector = {VECTOR_SQL}")
        cursor.execute("DELETE FROM knowledge_article_term")
        cursor.execute(TERM_ROWS_SQL.format(condition="a.is_published"))


def find_candidates(connection, terms: list[Term], *, category_id, limit):
    """Return {article id: rank} for published articles matching any term.

    Each word is parsed with the "russian" configuration and matched as a
    prefix, so that a half-typed word finds its article. The rank equals
    ts_rank with RANK_WEIGHTS of the vector against the prefix query of the
    words. A word of four letters or more that starts no indexed word also
    matches titles and keywords by trigram word similarity
    (pg_trgm.word_similarity_threshold, 0.6 by default), which finds typos.
    """
    words = [term.word for term in terms]
    fuzzy_words = unknown_words(
        connection, [word for word in words if len(word) >= MIN_TRIGRAM_LENGTH]
    )
    category_sql = category_join = ""
    category_params = []
    if category_id is not None:
        category_sql = "AND a.category_id = %s"
        category_join = "JOIN knowledge_article AS a ON a.id = term.article_id"
        category_params = [category_id]

    # The lexeme ranges are read from the index of knowledge_article_term,
    # which contains published articles only.
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
    for word in fuzzy_words:
        for field in TRIGRAM_FIELDS:
            branches.append(
                f"SELECT id, {TRIGRAM_SHARE} * word_similarity(%s, {field}) "
                f"FROM knowledge_article AS a "
                f"WHERE %s <%% {field} AND a.is_published {category_sql}"
            )
            params += [word, word, *category_params]

    sql = f"""
        WITH query_lexeme AS (
            SELECT DISTINCT lexeme COLLATE "C" AS lexeme
            FROM unnest(to_tsvector('russian', %s))
        )
        SELECT candidate.id, sum(candidate.rank) AS rank
        FROM ({" UNION ALL ".join(branches)}) AS candidate
        GROUP BY candidate.id
        ORDER BY rank DESC, candidate.id
        LIMIT %s
    """
    # The planner cannot estimate the lexeme ranges, so its cost estimate
    # passes jit_above_cost and JIT compiling took longer than the query.
    with transaction.atomic(using=connection.alias, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, [*params, limit])
            return {article_id: float(rank) for article_id, rank in cursor.fetchall()}


def unknown_words(connection, words):
    """Return the words that start no word of any published article."""
    if not words:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT word FROM unnest(%s::text[]) AS word
            WHERE NOT EXISTS (
                SELECT 1
                FROM unnest(to_tsvector('russian', word)) AS query_lexeme
                WHERE EXISTS (
                    SELECT 1 FROM knowledge_article_term AS term
                    WHERE term.lexeme >= query_lexeme.lexeme COLLATE "C"
                      AND term.lexeme < (query_lexeme.lexeme || %s) COLLATE "C"
                )
            )
            """,
            [words, RANGE_END],
        )
        return [word for (word,) in cursor.fetchall()]
