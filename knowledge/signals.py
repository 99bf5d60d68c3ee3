"""Keep the search index in step with the articles.

The handlers also run for fixtures: loaddata sends post_save with raw=True,
and indexing needs only the article's own fields, which are already set.
QuerySet.update() and bulk_create() send no signals, so code that changes
articles that way calls reindex_articles() or the rebuild_search_index
command afterwards.
"""

from django.db import connections
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from knowledge.models import Article
from knowledge.search import backends


@receiver(post_save, sender=Article, dispatch_uid="knowledge_index_article")
def index_saved_article(sender, instance, using, **kwargs):
    connection = connections[using]
    backends.for_connection(connection).index_article(connection, instance)


@receiver(post_delete, sender=Article, dispatch_uid="knowledge_remove_article")
def remove_deleted_article(sender, instance, using, **kwargs):
    connection = connections[using]
    backends.for_connection(connection).remove_article(connection, instance.pk)


def remove_orphan_rows(using, **kwargs):
    """Drop index rows of articles that are gone.

    Connected to post_migrate, which flush sends too: flush empties the model
    tables but not the index tables, which are not models.
    """
    connection = connections[using]
    backend = backends.for_connection(connection)
    if backend.INDEX_TABLE in connection.introspection.table_names():
        backend.remove_orphans(connection)


def reindex_articles(queryset):
    """Index again every article of ``queryset``, after a bulk change."""
    connection = connections[queryset.db]
    backend = backends.for_connection(connection)
    for article in queryset:
        backend.index_article(connection, article)
