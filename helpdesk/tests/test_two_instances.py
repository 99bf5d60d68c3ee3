"""Two app servers behind one database and one Redis act as one helpdesk.

The test starts two uvicorn processes on two ports that share a database and
the Redis cache. An employee starts a conversation on one and continues it
on the other with the same cookies, and the chat rate limit counts posts to
both. On PostgreSQL the test creates and drops a database of its own;
otherwise the servers share a temporary SQLite file. The servers read their
settings from a module in a temporary folder that imports the project's
settings and only gives the cache a key prefix of its own, so the test's
rate-limit counters never meet those of another client of the same Redis.
"""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30
REQUEST_TIMEOUT = 20
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
STREAM_URL = re.compile(r'sse-connect="(/messages/[0-9a-f-]{36}/stream/)"')
CHAT_RATE_LIMIT = 3
# The rate limit counts in fixed one-minute windows. Posting starts only when
# this many seconds are left in the window, so all posts land in one window.
WINDOW_MARGIN = 20

SETTINGS_TEMPLATE = """\
from helpdesk.settings import *  # noqa: F403

CACHES["default"]["KEY_PREFIX"] = {prefix!r}  # noqa: F405
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    """Return the URL of a reachable Redis server, or skip the test."""
    url = os.environ.get("TEST_REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {url} is unreachable ({error}); set TEST_REDIS_URL")
    finally:
        client.close()
    return url


@pytest.fixture
def key_prefix(redis_url):
    """Return a cache key prefix of this test, and delete its keys afterwards."""
    prefix = f"helpdesk-two-instances-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def database(tmp_path):
    """Yield (DATABASE_URL, function that runs a query on it) for the servers."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        path = tmp_path / "two-instances.sqlite3"

        def query(sql, params=()):
            with sqlite3.connect(path) as connection:
                return connection.execute(sql.replace("%s", "?"), params).fetchall()

        yield f"sqlite:///{path}", query
        return

    name = f"helpdesk_two_instances_{uuid.uuid4().hex[:8]}"
    user = default["USER"]
    host = default["HOST"] or "127.0.0.1"
    port = default["PORT"] or 5432
    admin = psycopg.connect(
        host=host,
        port=port,
        user=user,
        password=default["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{user}@{host}:{port}/{name}"

    def query(sql, params=()):
        with psycopg.connect(url) as connection:
            return connection.execute(sql, params).fetchall()

    yield url, query
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def servers(tmp_path, database, redis_url, key_prefix):
    """Start two uvicorn servers on one database and Redis; yield their URLs."""
    database_url, _query = database
    (tmp_path / "two_instances_settings.py").write_text(
        SETTINGS_TEMPLATE.format(prefix=key_prefix)
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ANTHROPIC_API_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="two_instances_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        HELPDESK_CHAT_RATE=f"{CHAT_RATE_LIMIT}/minute",
        HELPDESK_OFFLINE_WORD_DELAY="0",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["loaddata", "knowledge", "-v0"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, timeout=120)

    processes = []
    urls = []
    for number in range(2):
        port = free_port()
        log_path = tmp_path / f"server-{number}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "helpdesk.asgi:application"]
            + ["--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append((process, log_path))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, (process, log_path) in zip(urls, processes, strict=True):
            wait_until_serving(url, process, log_path)
        yield urls
    finally:
        for process, _log_path in processes:
            process.terminate()
        for process, _log_path in processes:
            process.wait(timeout=10)


def wait_until_serving(url, process, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{url} did not start:\n{log_path.read_text()}")
            time.sleep(0.2)


def post_question(client, base_url, text):
    """Post a question with htmx headers; return the response."""
    client.get(f"{base_url}/")
    token = client.cookies.get("csrftoken")
    return client.post(
        f"{base_url}/messages/",
        data={"text": text},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )


def read_reply(client, base_url, response):
    """Read the reply stream that response opens; return its last event name."""
    stream_path = STREAM_URL.search(response.text).group(1)
    last_event = None
    with client.stream("GET", f"{base_url}{stream_path}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                last_event = line.removeprefix("event: ")
    return last_event


def wait_for_fresh_window():
    seconds_left = 60 - time.time() % 60
    if seconds_left < WINDOW_MARGIN:
        time.sleep(seconds_left + 0.5)


def test_conversation_continues_on_other_instance(servers, database):
    first, second = servers
    _url, query = database
    wait_for_fresh_window()

    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        response = post_question(client, first, "VPN does not connect from home")
        assert response.status_code == 200
        assert read_reply(client, first, response) == "done"
        response = post_question(client, second, "It still fails after a restart")
        assert response.status_code == 200
        assert read_reply(client, second, response) == "done"

    rows = query(
        "SELECT conversation_id, role, text, status FROM chat_message "
        "ORDER BY created_at, id"
    )
    assert len(rows) == 4
    assert len({row[0] for row in rows}) == 1
    assert [row[1] for row in rows] == ["employee", "assistant"] * 2
    assert rows[0][2] == "VPN does not connect from home"
    assert rows[2][2] == "It still fails after a restart"
    assert rows[3][3] == "complete"


def test_rate_limit_holds_across_instances(servers):
    first, second = servers
    wait_for_fresh_window()

    statuses = []
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        for number, base_url in enumerate([first, second, first, second]):
            response = post_question(client, base_url, f"Printer jam number {number}")
            statuses.append(response.status_code)
        fourth = response

    assert statuses[:CHAT_RATE_LIMIT] == [200] * CHAT_RATE_LIMIT
    assert statuses[CHAT_RATE_LIMIT] == 429
    assert int(fourth.headers["Retry-After"]) > 0
