"""Pick the search backend for a database connection."""

from django.core.exceptions import ImproperlyConfigured

from knowledge.search import postgres, sqlite

BACKENDS = {"postgresql": postgres, "sqlite": sqlite}


def for_connection(connection):
    """Return the module that indexes and searches articles on ``connection``.

    Every backend module provides ``find_candidates``, ``index_article``,
    ``remove_article``, ``remove_orphans`` and ``rebuild_index``, and names
    the table that contains its index in ``INDEX_TABLE``.
    """
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise ImproperlyConfigured(
            f"Knowledge-base search does not support the {connection.vendor!r} "
            "database: use PostgreSQL or SQLite."
        ) from None
