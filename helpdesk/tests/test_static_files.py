"""Static files are served in full, under ASGI without a sync-iterator warning."""

import asyncio
import logging
import warnings

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import Client

from helpdesk.settings import BASE_DIR
from helpdesk.tests.asgi import http_scope

PATH = "/static/css/app.css"
CONTENT = (BASE_DIR / "static" / "css" / "app.css").read_bytes()


@pytest.fixture(autouse=True)
def static_files_from_finders(settings):
    # Tests run with DEBUG off and no collectstatic, so WhiteNoise finds the
    # files as it does in development.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


async def asgi_request(method, path, headers=()):
    """Send one request through a new ASGI handler and return its status and body."""
    application = ASGIHandler()
    scope = http_scope(path, headers, method=method)
    requested = False
    received = {"status": None, "body": b""}

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # The client stays until the handler stops listening.
        await asyncio.Event().wait()

    async def send(event):
        if event["type"] == "http.response.start":
            received["status"] = event["status"]
        else:
            received["body"] += event.get("body", b"")

    await asyncio.wait_for(application(scope, receive, send), timeout=10)
    return received


def sync_iterator_warnings(caught):
    return [w for w in caught if "synchronous iterators" in str(w.message)]


async def test_asgi_serves_file_without_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        received = await asgi_request("GET", PATH)

    assert received["status"] == 200
    assert received["body"] == CONTENT
    assert sync_iterator_warnings(caught) == []


async def test_asgi_range_request_gets_its_slice():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        received = await asgi_request("GET", PATH, [(b"range", b"bytes=0-9")])

    assert received["status"] == 206
    assert received["body"] == CONTENT[:10]
    assert sync_iterator_warnings(caught) == []


async def test_asgi_head_request_has_no_body_or_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        received = await asgi_request("HEAD", PATH)

    assert received["status"] == 200
    assert received["body"] == b""
    assert sync_iterator_warnings(caught) == []


def test_wsgi_streams_file_synchronously():
    response = Client().get(PATH)

    assert response.status_code == 200
    assert not response.is_async
    assert b"".join(response.streaming_content) == CONTENT


def test_asgi_middleware_chain_needs_no_thread(settings, caplog):
    """Every middleware runs on the event loop under ASGI.

    With DEBUG on, Django logs "... handler adapted for middleware ..." for
    each middleware that it has to run in a worker thread.
    """
    settings.DEBUG = True
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        ASGIHandler()

    adapted = [
        record.getMessage()
        for record in caplog.records
        if "adapted for middleware" in record.getMessage()
    ]
    assert adapted == []
