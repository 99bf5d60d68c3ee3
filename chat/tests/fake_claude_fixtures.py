"""Fixtures that run the real ClaudeResponder against the fake Messages API.

Test modules load them with ``pytest_plugins``. The fake listens on
127.0.0.1 on a free port, in the test's own event loop (``fake_claude``) or in
a thread of its own for synchronous tests (``fake_claude_thread``).
"""

import asyncio
import threading

import pytest
from django.test import override_settings

from chat.fake_claude import FakeClaudeServer, Options
from chat.responders import Assessment
from chat.responders.claude import ClaudeResponder
from knowledge.search import SearchHit
from knowledge.tests.factories import ArticleFactory, CategoryFactory


@pytest.fixture
async def fake_claude():
    # A retry-after of 10 ms keeps the SDK's waits between retries short.
    options = Options(retry_after=0.01)
    async with FakeClaudeServer(options=options) as server:
        yield server


@pytest.fixture
def claude_settings(fake_claude):
    """Point the responder at the fake, with no retries and a short timeout."""
    with override_settings(
        ANTHROPIC_API_KEY="fake-key",
        ANTHROPIC_BASE_URL=fake_claude.base_url,
        CLAUDE_MODEL="claude-haiku-4-5",
        CLAUDE_TIMEOUT=2.0,
        CLAUDE_MAX_TOKENS=1024,
        CLAUDE_MAX_RETRIES=0,
    ):
        yield


@pytest.fixture
def vpn_hit(db):
    category = CategoryFactory(slug="network")
    article = ArticleFactory(
        category=category,
        title="VPN does not connect",
        problem="The VPN client shows an error and does not connect from home.",
        solution="1. Check the internet connection.\n2. Restart the VPN client.",
    )
    return SearchHit(article=article, score=0.8, matched_terms=["vpn"])


@pytest.fixture
def printer_hit(db):
    category = CategoryFactory(slug="printers")
    article = ArticleFactory(
        category=category,
        title="Printer prints blank pages",
        problem="Pages come out of the printer empty.",
        solution="1. Replace the toner cartridge.",
    )
    return SearchHit(article=article, score=0.4, matched_terms=["printer"])


async def collect_reply(question, hits, history=(), language="en"):
    """Run ClaudeResponder and return its text chunks and its one Assessment."""
    chunks = []
    assessments = []
    responder = ClaudeResponder()
    async for item in responder.stream(question, list(history), hits, language):
        if isinstance(item, Assessment):
            assessments.append(item)
        else:
            chunks.append(item)
    assert len(assessments) == 1
    return chunks, assessments[0]


@pytest.fixture
def fake_claude_thread():
    """Run the fake on its own event loop in a thread, for synchronous tests."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = FakeClaudeServer(options=Options(retry_after=0.01))
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=5)
    yield server
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout=5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


@pytest.fixture
def claude_in_thread(fake_claude_thread):
    """Configure Claude against ``fake_claude_thread``, for synchronous tests."""
    with override_settings(
        ANTHROPIC_API_KEY="fake-key",
        ANTHROPIC_BASE_URL=fake_claude_thread.base_url,
        CLAUDE_MODEL="claude-haiku-4-5",
        CLAUDE_TIMEOUT=2.0,
        CLAUDE_MAX_RETRIES=0,
    ):
        yield fake_claude_thread
