import json
from io import StringIO

from django.core.management import call_command
from django.db import connection

from knowledge.models import Article
from knowledge.search import search
from knowledge.signals import reindex_articles, remove_orphan_rows
from knowledge.tests.factories import ArticleFactory, CategoryFactory


def found(query):
    return [hit.article for hit in search(query)]


def test_new_article_is_found(db):
    article = ArticleFactory(title="Scanner shows a blank page")

    assert found("scanner") == [article]


def test_unpublished_article_excluded(db):
    ArticleFactory(title="Scanner shows a blank page", is_published=False)

    assert found("scanner") == []


def test_edit_updates_index(db):
    article = ArticleFactory(title="Scanner shows a blank page")

    article.title = "Plotter shows a blank page"
    article.save()

    assert found("scanner") == []
    assert found("plotter") == [article]


def test_unpublish_removes_from_index(db):
    article = ArticleFactory(title="Scanner shows a blank page")

    article.is_published = False
    article.save()

    assert found("scanner") == []


def test_republish_restores_index(db):
    article = ArticleFactory(title="Scanner shows a blank page", is_published=False)

    article.is_published = True
    article.save()

    assert found("scanner") == [article]


def test_delete_removes_from_index(db):
    article = ArticleFactory(title="Scanner shows a blank page")

    article.delete()

    assert found("scanner") == []


def test_loaddata_indexes_articles(db, tmp_path):
    category = CategoryFactory(slug="hardware")
    fixture = tmp_path / "articles.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "knowledge.article",
                    "pk": 501,
                    "fields": {
                        "category": category.pk,
                        "title": "Сканер выдаёт пустую страницу",
                        "problem": "Сканер сканирует, но файл пустой.",
                        "solution": "Протрите стекло сканера.",
                        "keywords": "сканер, scanner",
                        "language": "ru",
                        "is_published": True,
                        "created_at": "2026-01-01T00:00:00Z",
                        "updated_at": "2026-01-01T00:00:00Z",
                    },
                }
            ]
        ),
        encoding="utf-8",
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert [article.pk for article in found("сканером")] == [501]


def test_reindex_after_queryset_update(db):
    article = ArticleFactory(title="Scanner shows a blank page")
    Article.objects.filter(pk=article.pk).update(is_published=False)

    reindex_articles(Article.objects.filter(pk=article.pk))

    assert found("scanner") == []


def test_rebuild_command_indexes_bulk_changes(db):
    article = ArticleFactory(title="Scanner shows a blank page")
    Article.objects.filter(pk=article.pk).update(title="Plotter shows a blank page")

    call_command("rebuild_search_index", stdout=StringIO())

    assert found("plotter") == [article]
    assert found("scanner") == []


def test_index_lives_in_backend_tables(db):
    article = ArticleFactory(title="Scanner shows a blank page")

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT title FROM knowledge_article_fts WHERE rowid = %s", [article.pk]
            )
        else:
            cursor.execute(
                "SELECT search_vector::text FROM knowledge_article WHERE id = %s",
                [article.pk],
            )
        (indexed,) = cursor.fetchone()

    assert "scanner" in indexed


def vocabulary_contains(stem):
    """Return True when the index lists ``stem`` among the words it corrects to."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT 1 FROM knowledge_article_fts_vocab WHERE term = %s", [stem]
            )
        else:
            cursor.execute("SELECT 1 FROM knowledge_lexeme WHERE lexeme = %s", [stem])
        return cursor.fetchone() is not None


def index_row_count(article_id):
    if connection.vendor == "sqlite":
        queries = ["SELECT count(*) FROM knowledge_article_fts WHERE rowid = %s"]
    else:
        queries = [
            "SELECT count(*) FROM knowledge_article_term WHERE article_id = %s",
            "SELECT count(*) FROM knowledge_article_stems WHERE article_id = %s",
        ]
    with connection.cursor() as cursor:
        counts = []
        for query in queries:
            cursor.execute(query, [article_id])
            counts.append(cursor.fetchone()[0])
    return sum(counts)


def test_edit_updates_vocabulary(db):
    article = ArticleFactory(title="Scanner shows a blank page")

    article.title = "Plotter shows a blank page"
    article.save()

    assert vocabulary_contains("plotter")
    assert not vocabulary_contains("scanner")


def test_vocabulary_keeps_words_of_other_articles(db):
    ArticleFactory(title="Scanner shows a blank page")
    removed = ArticleFactory(title="Scanner jams")

    removed.delete()

    assert vocabulary_contains("scanner")
    assert not vocabulary_contains("jam")


def test_orphan_cleanup_removes_rows_of_missing_articles(db):
    article = ArticleFactory(title="Scanner shows a blank page")
    kept = ArticleFactory(title="Plotter shows a blank page")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_article WHERE id = %s", [article.pk])

    remove_orphan_rows(using=connection.alias)

    assert index_row_count(article.pk) == 0
    assert index_row_count(kept.pk) > 0
    assert not vocabulary_contains("scanner")
    assert found("plotter") == [kept]
