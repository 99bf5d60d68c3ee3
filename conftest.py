"""Set-up shared by the tests of every app.

The environment that the settings read is fixed in [tool.pytest_env] of
pyproject.toml, not here: pytest-django imports the settings before pytest
imports any conftest.py, so a variable set in this file comes too late. That
table defaults DEBUG to 1, removes the Claude key and the helpdesk variables
that change answers, and selects the locmem e-mail backend, which servers that
tests start in a subprocess inherit. Within the test process, Django's test
set-up also switches every mailer to locmem.
"""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db.backends.base.creation import TEST_DATABASE_PREFIX


def pytest_report_header(config):
    """Name the database engine and host of this run, to tell CI passes apart."""
    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"database: {engine}"
    return f"database: {engine} at {database['HOST'] or 'local socket'}"


@pytest.fixture(autouse=True)
def empty_cache():
    """Start each test with an empty cache, so rate-limit counts do not carry over.

    The cache is the in-process one, because [tool.pytest_env] unsets REDIS_URL.
    """
    cache.clear()


# Fixtures that start the fake Messages API server, for the Claude tests.
pytest_plugins = ["chat.tests.fake_claude_fixtures"]


@pytest.fixture
def session_key(db):
    """Return the key of a stored session, as an anonymous visitor has."""
    session = SessionStore()
    session.create()
    return session.session_key


@pytest.fixture
def visitor(client, session_key):
    """Return a test client that carries an anonymous visitor's session."""
    client.cookies["sessionid"] = session_key
    return client


@pytest.fixture(scope="session", autouse=True)
def close_leftover_connections(django_db_setup, django_db_blocker):
    """End other sessions on the PostgreSQL test database before it is dropped.

    Threads that asyncio.to_thread and the ASGI handler start keep their own
    connections open, and PostgreSQL refuses to drop a database in use.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    # pytest-django creates no test database when no collected test uses
    # one. The connection then still names the database of DATABASE_URL,
    # which may not exist.
    if not connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX):
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
