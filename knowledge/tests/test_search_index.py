import json
from io import StringIO

from django.core.management import call_command
from django.db import connection

from knowledge.models import Article
from knowledge.search import search
from knowledge.signals import reindex_articles
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
