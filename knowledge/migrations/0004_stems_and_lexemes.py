"""Store each published article's stems and, on PostgreSQL, a lexeme list.

The scorer compares the question's stems with each candidate's. Stemming the
50 candidates' text at every search took about 30% of a search's time on
10,000 generated articles (bench/search_latency.py), so the index now keeps
the stems (see
knowledge.search.scoring.indexed_stems). Keyword phrases are separated by
commas, and the stems within a field by spaces.

PostgreSQL gets two tables, without foreign keys for the reason given in
0003_article_term. knowledge_article_stems contains the stems.
knowledge_lexeme contains the distinct lexemes of knowledge_article_term
with a trigram index, where typos are corrected. Trigram similarity over
the titles and keywords of 10,000 generated articles took up to 34 ms for
one word on a loaded 2-vCPU machine. On SQLite the FTS5 table already contains the stems, and its
keywords column is written again with commas between phrases, which its
tokenizer ignores. The SQL and the stemming are copied here, so that later
changes to the search module do not change this migration.
"""

from django.db import migrations

from knowledge.analysis import stems

POSTGRES_CREATE = [
    """
    CREATE TABLE knowledge_article_stems (
        article_id integer PRIMARY KEY,
        title text NOT NULL,
        keywords text NOT NULL,
        problem text NOT NULL,
        solution text NOT NULL
    )
    """,
    "CREATE TABLE knowledge_lexeme (lexeme text PRIMARY KEY)",
    "CREATE INDEX knowledge_lexeme_trgm ON knowledge_lexeme "
    "USING gin (lexeme gin_trgm_ops)",
    "INSERT INTO knowledge_lexeme (lexeme) "
    "SELECT DISTINCT lexeme FROM knowledge_article_term",
]
POSTGRES_DROP = [
    "DROP TABLE knowledge_lexeme",
    "DROP TABLE knowledge_article_stems",
]


def keyword_stems(keywords):
    return ", ".join(" ".join(stems(phrase)) for phrase in keywords.split(","))


def store_stems(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    elif connection.vendor != "sqlite":
        return

    Article = apps.get_model("knowledge", "Article")
    published = Article.objects.using(connection.alias).filter(is_published=True)
    with connection.cursor() as cursor:
        for article in published.iterator():
            if connection.vendor == "sqlite":
                cursor.execute(
                    "UPDATE knowledge_article_fts SET keywords = %s WHERE rowid = %s",
                    [keyword_stems(article.keywords), article.pk],
                )
                continue
            cursor.execute(
                "INSERT INTO knowledge_article_stems "
                "(article_id, title, keywords, problem, solution) "
                "VALUES (%s, %s, %s, %s, %s)",
                [
                    article.pk,
                    " ".join(stems(article.title)),
                    keyword_stems(article.keywords),
                    " ".join(stems(article.problem)),
                    " ".join(stems(article.solution)),
                ],
            )


def drop_stems(apps, schema_editor):
    # The commas left in the SQLite keywords column change no search result.
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_article_term")]

    operations = [migrations.RunPython(store_stems, drop_stems)]
