"""Add the PostgreSQL table of precomputed ts_rank parts per article and lexeme.

knowledge_article_term lets a search add up the ranks of the articles that
contain the question's lexemes from one B-tree index, in place of running
ts_rank on the search vector of every matching article (see
knowledge.search.postgres). Nothing is created on SQLite.

The table has no foreign key to knowledge_article: Django's flush truncates
only the tables of models, and PostgreSQL refuses to truncate a table that
another table references. The search module deletes an article's rows
itself, and a post_migrate handler, which also runs after flush, deletes
the rows of articles that are gone. The SQL is copied
here, so that later changes to the search module do not change this
migration.
"""

from django.db import migrations

POSTGRES_CREATE = [
    """
    CREATE TABLE knowledge_article_term (
        article_id integer NOT NULL,
        lexeme text COLLATE "C" NOT NULL,
        rank real NOT NULL
    )
    """,
    "CREATE INDEX knowledge_article_term_lexeme ON knowledge_article_term "
    "(lexeme, article_id) INCLUDE (rank)",
    "CREATE INDEX knowledge_article_term_article ON knowledge_article_term "
    "(article_id)",
    """
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
    WHERE a.is_published
    """,
]
POSTGRES_DROP = ["DROP TABLE knowledge_article_term"]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [
        migrations.RunPython(
            run_on_postgres(POSTGRES_CREATE), run_on_postgres(POSTGRES_DROP)
        )
    ]
