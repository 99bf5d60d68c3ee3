"""Search articles with PostgreSQL full-text search and trigram similarity.

The search_vector column of knowledge_article, which is not a model field,
contains the article's words weighted title A, keywords B, problem C and
solution D. They are parsed with the "russian" configuration, which stems
Cyrillic words with Snowball Russian and Latin words with Snowball English.
Migration 0002_search_index creates the column, a GIN index on it and GIN
trigram indexes on title and keywords.
"""

from knowledge.analysis import Term

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


def index_article(connection, article):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE knowledge_article SET search_vector = {VECTOR_SQL} WHERE id = %s",
            [article.pk],
        )


def remove_article(connection, article_id):
    """Do nothing: the vector is stored in the article's own row."""


def rebuild_index(connection):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE knowledge_article SET search_vector = {VECTOR_SQL}")


def find_candidates(connection, terms: list[Term], *, category_id, limit):
    """Return {article id: rank} for published articles matching any term.

    The words are parsed with websearch_to_tsquery joined by "or", and each is
    also matched as a prefix so that a half-typed word finds its article. A
    word of four letters or more that starts no indexed word also matches
    titles and keywords by trigram word similarity
    (pg_trgm.word_similarity_threshold, 0.6 by default), which finds typos.
    """
    words = [term.word for term in terms]
    fuzzy_words = unknown_words(
        connection, [word for word in words if len(word) >= MIN_TRIGRAM_LENGTH]
    )
    tsquery_sql = "(websearch_to_tsquery('russian', %s) || to_tsquery('russian', %s))"
    tsquery_params = [" or ".join(words), " | ".join(f"{word}:*" for word in words)]

    # One branch per condition, so that each can use its own GIN index.
    branches = [
        f"SELECT id, ts_rank('{RANK_WEIGHTS}', search_vector, {tsquery_sql}) AS rank "
        f"FROM knowledge_article WHERE search_vector @@ {tsquery_sql}"
    ]
    params = tsquery_params * 2
    for word in fuzzy_words:
        for field in TRIGRAM_FIELDS:
            branches.append(
                f"SELECT id, {TRIGRAM_SHARE} * word_similarity(%s, {field}) "
                f"FROM knowledge_article WHERE %s <%% {field}"
            )
            params += [word, word]

    category_sql = ""
    if category_id is not None:
        category_sql = "AND a.category_id = %s"
        params.append(category_id)
    sql = f"""
        SELECT a.id, sum(candidate.rank) AS rank
        FROM ({" UNION ALL ".join(branches)}) AS candidate
        JOIN knowledge_article AS a ON a.id = candidate.id
        WHERE a.is_published {category_sql}
        GROUP BY a.id
        ORDER BY rank DESC, a.id
        LIMIT %s
    """
    with connection.cursor() as cursor:
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
                SELECT 1 FROM knowledge_article AS a
                WHERE a.is_published
                  AND a.search_vector @@ to_tsquery('russian', word || ':*')
            )
            """,
            [words],
        )
        return [word for (word,) in cursor.fetchall()]
