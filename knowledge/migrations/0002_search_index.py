"""Create the full-text search index of articles for the database in use.

PostgreSQL: a tsvector column with a GIN index, and pg_trgm GIN indexes on
title and keywords for typos. SQLite: an FTS5 table of stemmed text and its
vocabulary table. Each part is skipped on the other database. The column and
tables are not model fields, so later migrations of Article leave them alone.
The rebuild_search_index command fills them again from the articles.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from knowledge.analysis import stems

POSTGRES_CREATE = [
    "ALTER TABLE knowledge_article ADD COLUMN search_vector tsvector",
    """
    UPDATE knowledge_article SET search_vector =
        setweight(to_tsvector('russian', coalesce(title, '')), 'A')
        || setweight(to_tsvector('russian', coalesce(keywords, '')), 'B')
        || setweight(to_tsvector('russian', coalesce(problem, '')), 'C')
        || setweight(to_tsvector('russian', coalesce(solution, '')), 'D')
    """,
    "CREATE INDEX knowledge_article_search_vector ON knowledge_article "
    "USING gin (search_vector)",
    "CREATE INDEX knowledge_article_title_trgm ON knowledge_article "
    "USING gin (title gin_trgm_ops)",
    "CREATE INDEX knowledge_article_keywords_trgm ON knowledge_article "
    "USING gin (keywords gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX knowledge_article_keywords_trgm",
    "DROP INDEX knowledge_article_title_trgm",
    "ALTER TABLE knowledge_article DROP COLUMN search_vector",
]

# remove_diacritics 0 keeps "й" apart from "и", as the Snowball stems have it.
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE knowledge_article_fts USING fts5("
    "title, keywords, problem, solution, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE knowledge_article_fts_vocab "
    "USING fts5vocab(knowledge_article_fts, 'row')",
]
SQLITE_DROP = [
    "DROP TABLE knowledge_article_fts_vocab",
    "DROP TABLE knowledge_article_fts",
]
COLUMNS = ("title", "keywords", "problem", "solution")


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)
        fill_sqlite_index(apps, schema_editor)


def fill_sqlite_index(apps, schema_editor):
    Article = apps.get_model("knowledge", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    with schema_editor.connection.cursor() as cursor:
        for article in articles.filter(is_published=True):
            row = [" ".join(stems(getattr(article, column))) for column in COLUMNS]
            cursor.execute(
                "INSERT INTO knowledge_article_fts "
                "(rowid, title, keywords, problem, solution) "
                "VALUES (%s, %s, %s, %s, %s)",
                [article.pk, *row],
            )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}
    for statement in statements.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
