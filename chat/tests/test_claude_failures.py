"""ClaudeResponder against the fake Messages API: failures, retries, cancellation."""

import asyncio
import logging

import pytest
from django.test import override_settings

from chat.responders import Assessment
from chat.responders.claude import ClaudeResponder
from chat.tests.fake_claude_fixtures import collect_reply

# Registers the fake Messages API fixtures: fake_claude, claude_settings and
# the SearchHit fixtures.

pytestmark = pytest.mark.usefixtures("claude_settings")

FULL_ANSWER_START = 'This looks like "VPN does not connect". Here'


@pytest.mark.parametrize(
    ("scenario", "failure"),
    [
        ("unauthorized", "auth"),
        ("rate_limited", "rate_limited"),
        ("overloaded", "overloaded"),
        ("server_error", "server_error"),
    ],
)
async def test_http_error_fails_without_text(scenario, failure, vpn_hit):
    chunks, assessment = await collect_reply(f"VPN [scenario:{scenario}]", [vpn_hit])

    assert chunks == []
    assert assessment.failure == failure
    assert assessment.confidence == 0
    assert assessment.cited_article_ids == []


@pytest.mark.parametrize(
    ("scenario", "failure"),
    [
        ("stream_error", "stream_error"),
        ("disconnect", "connection"),
        ("refusal", "refusal"),
        ("max_tokens", "max_tokens"),
    ],
)
async def test_failure_mid_stream_keeps_text(scenario, failure, vpn_hit):
    chunks, assessment = await collect_reply(f"VPN [scenario:{scenario}]", [vpn_hit])

    text = "".join(chunks)
    assert text.startswith(FULL_ANSWER_START)
    assert "take a look." not in text
    assert assessment.failure == failure
    assert assessment.confidence == 0


async def test_failure_mid_stream_keeps_usage(vpn_hit):
    _chunks, assessment = await collect_reply("VPN [scenario:refusal]", [vpn_hit])

    assert assessment.model == "claude-haiku-4-5-20251001"
    assert assessment.usage.input_tokens > 0
    assert assessment.usage.output_tokens > 0


async def test_timeout_fails_and_closes_request(fake_claude, vpn_hit):
    with override_settings(CLAUDE_TIMEOUT=0.3):
        chunks, assessment = await collect_reply("VPN [scenario:timeout]", [vpn_hit])

    record = fake_claude.requests[0]
    await asyncio.wait_for(record.finished.wait(), timeout=2)
    assert chunks == []
    assert assessment.failure == "timeout"
    assert record.disconnected is True


async def test_short_max_tokens_setting_fails(vpn_hit):
    with override_settings(CLAUDE_MAX_TOKENS=5):
        chunks, assessment = await collect_reply("VPN is down", [vpn_hit])

    # The fake model's reply, cut after five text deltas.
    assert "".join(chunks) == 'This looks like "VPN does '
    assert assessment.failure == "max_tokens"


async def test_unknown_request_fails_as_bad_request(vpn_hit):
    chunks, assessment = await collect_reply("VPN [scenario:no_such_thing]", [vpn_hit])

    assert chunks == []
    assert assessment.failure == "bad_request"


@pytest.mark.parametrize("scenario", ["rate_limited", "overloaded", "server_error"])
async def test_retryable_error_is_retried(scenario, fake_claude, vpn_hit):
    with override_settings(CLAUDE_MAX_RETRIES=2):
        _chunks, assessment = await collect_reply(
            f"VPN [scenario:{scenario}]", [vpn_hit]
        )

    retry_counts = [r.headers["x-stainless-retry-count"] for r in fake_claude.requests]
    assert assessment.failure != ""
    assert retry_counts == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("scenario", "status"),
    [("rate_limited", 429), ("overloaded", 529), ("server_error", 500)],
)
async def test_retry_recovers_after_error(scenario, status, fake_claude, vpn_hit):
    question = f"VPN [scenario:{scenario} fail_times=1]"

    with override_settings(CLAUDE_MAX_RETRIES=2):
        chunks, assessment = await collect_reply(question, [vpn_hit])

    assert [r.status for r in fake_claude.requests] == [status, 200]
    assert "".join(chunks).startswith(FULL_ANSWER_START)
    assert assessment.failure == ""


async def test_timeout_is_retried(fake_claude, vpn_hit):
    question = "VPN [scenario:timeout fail_times=1]"

    with override_settings(CLAUDE_TIMEOUT=0.3, CLAUDE_MAX_RETRIES=1):
        chunks, assessment = await collect_reply(question, [vpn_hit])

    assert len(fake_claude.requests) == 2
    assert "".join(chunks).startswith(FULL_ANSWER_START)
    assert assessment.failure == ""


@pytest.mark.parametrize("scenario", ["unauthorized", "stream_error", "disconnect"])
async def test_error_is_not_retried(scenario, fake_claude, vpn_hit):
    with override_settings(CLAUDE_MAX_RETRIES=2):
        await collect_reply(f"VPN [scenario:{scenario}]", [vpn_hit])

    assert len(fake_claude.requests) == 1


async def test_failure_is_logged_without_question(caplog, vpn_hit):
    question = "My secret VPN problem [scenario:overloaded]"

    with caplog.at_level(logging.WARNING, logger="chat.responders.claude"):
        await collect_reply(question, [vpn_hit])

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "failure=overloaded" in record.getMessage()
    assert "request_id=req_fake000001" in record.getMessage()
    assert f"article_ids=[{vpn_hit.article.pk}]" in record.getMessage()
    assert "secret" not in record.getMessage()


async def test_auth_failure_is_logged_as_error(caplog, vpn_hit):
    with caplog.at_level(logging.WARNING, logger="chat.responders.claude"):
        await collect_reply("VPN [scenario:unauthorized]", [vpn_hit])

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "failure=auth" in record.getMessage()


async def test_closing_stream_closes_connection(fake_claude, vpn_hit):
    stream = ClaudeResponder().stream(
        "VPN [scenario:ok tokens_per_second=20]", [], [vpn_hit], "en"
    )

    first = await anext(stream)
    await stream.aclose()

    # The whole answer takes about 1.5 s at 20 tokens per second, so a wait
    # of 0.5 s shows that closing the stream closed the connection.
    record = fake_claude.requests[0]
    await asyncio.wait_for(record.finished.wait(), timeout=0.5)
    assert first == "This "
    assert record.completed is False
    assert record.disconnected is True


async def test_cancelling_task_closes_connection(fake_claude, vpn_hit):
    received = []

    async def consume():
        question = "VPN [scenario:ok tokens_per_second=20]"
        async for item in ClaudeResponder().stream(question, [], [vpn_hit], "en"):
            received.append(item)

    task = asyncio.create_task(consume())
    while not received:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    record = fake_claude.requests[0]
    await asyncio.wait_for(record.finished.wait(), timeout=0.5)
    assert record.disconnected is True
    assert not any(isinstance(item, Assessment) for item in received)
