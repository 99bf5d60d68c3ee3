"""The fake Messages API itself: wire format, options and control endpoints."""

import asyncio
import json
import time

import pytest
from anthropic import AsyncAnthropic

from chat.fake_claude import FakeClaudeServer, Options
from chat.fake_claude.__main__ import parse_args

# Registers the fake Messages API fixtures: fake_claude, claude_settings and
# the SearchHit fixtures.

SYSTEM = [
    {
        "type": "text",
        "text": (
            '<articles>\n<article id="42" category="printers">\n'
            "<title>Printer is offline</title>\n<problem>Offline.</problem>\n"
            "<solution>\n1. Turn the printer on.\n</solution>\n</article>\n</articles>"
        ),
        "cache_control": {"type": "ephemeral"},
    }
]


def request_body(question, **extra):
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 1024,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": question}],
        **extra,
    }


async def raw_request(server, method, path, body=b"", headers=None):
    """Send one HTTP request and return (status, headers, body bytes)."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    lines = [f"{method} {path} HTTP/1.1", f"host: {server.host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"content-length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    response = await reader.read()
    writer.close()

    head, _, payload = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    response_headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), response_headers, payload


async def stream_events(server, question, **extra):
    """Stream a request through the SDK and return [(seconds, event)]."""
    events = []
    started = time.monotonic()
    async with AsyncAnthropic(
        api_key="fake-key", base_url=server.base_url, max_retries=0
    ) as client:
        body = request_body(question, **extra)
        async with await client.messages.create(**body, stream=True) as stream:
            async for event in stream:
                events.append((time.monotonic() - started, event))
    return events


def text_deltas(events):
    return [
        event.delta.text
        for _seconds, event in events
        if event.type == "content_block_delta" and event.delta.type == "text_delta"
    ]


async def test_stream_has_event_sequence(fake_claude):
    events = await stream_events(fake_claude, "printer?")

    types = [event.type for _seconds, event in events]
    assert types[:2] == ["message_start", "content_block_start"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert types.count("content_block_start") == 2
    assert events[-2][1].delta.stop_reason == "tool_use"


async def test_stream_answers_from_first_article(fake_claude):
    events = await stream_events(fake_claude, "printer?")

    json_parts = [
        event.delta.partial_json
        for _seconds, event in events
        if event.type == "content_block_delta"
        and event.delta.type == "input_json_delta"
    ]
    tool_input = json.loads("".join(json_parts))
    assert "".join(text_deltas(events)).startswith(
        'This looks like "Printer is offline"'
    )
    assert tool_input["cited_article_ids"] == [42]
    assert tool_input["suggested_category"] == "printers"
    assert tool_input["confidence"] == 0.85


async def test_output_tokens_sets_answer_length(fake_claude):
    events = await stream_events(
        fake_claude, "printer? [scenario:ok output_tokens=300]"
    )

    assert len(text_deltas(events)) == 300


async def test_first_token_delay_and_rate(fake_claude):
    question = (
        "[scenario:ok first_token_delay=0.2 tokens_per_second=100 output_tokens=21]"
    )

    events = await stream_events(fake_claude, question)

    times = [
        seconds
        for seconds, event in events
        if event.type == "content_block_delta" and event.delta.type == "text_delta"
    ]
    assert times[0] >= 0.2
    # 21 tokens at 100 per second are 20 intervals of 10 ms after the first.
    assert times[-1] - times[0] >= 0.19


async def test_non_streaming_request_gets_message(fake_claude):
    async with AsyncAnthropic(
        api_key="fake-key", base_url=fake_claude.base_url, max_retries=0
    ) as client:
        message = await client.messages.create(**request_body("printer?"))

    assert message.model == "claude-haiku-4-5-20251001"
    assert message.content[0].text.startswith('This looks like "Printer is offline"')
    assert message.content[1].name == "report_assessment"
    assert message.stop_reason == "tool_use"
    assert message.usage.output_tokens > 0


async def test_rate_limit_has_error_body_and_retry_after():
    async with FakeClaudeServer(options=Options(retry_after=3)) as server:
        body = json.dumps(request_body("[scenario:rate_limited]")).encode()
        status, headers, payload = await raw_request(
            server, "POST", "/v1/messages", body, {"x-api-key": "fake-key"}
        )

    error = json.loads(payload)
    assert status == 429
    assert headers["retry-after"] == "3"
    assert headers["request-id"] == error["request_id"]
    assert error["type"] == "error"
    assert error["error"]["type"] == "rate_limit_error"


async def test_missing_api_key_is_rejected(fake_claude):
    body = json.dumps(request_body("printer?")).encode()

    status, _headers, payload = await raw_request(
        fake_claude, "POST", "/v1/messages", body
    )

    assert status == 401
    assert json.loads(payload)["error"]["type"] == "authentication_error"


async def test_invalid_body_is_rejected(fake_claude):
    status, _headers, payload = await raw_request(
        fake_claude, "POST", "/v1/messages", b"{}", {"x-api-key": "fake-key"}
    )

    assert status == 400
    assert json.loads(payload)["error"]["message"] == "model: Field required."


async def test_unknown_marker_option_is_rejected(fake_claude):
    body = json.dumps(request_body("[scenario:ok speed=9]")).encode()

    status, _headers, payload = await raw_request(
        fake_claude, "POST", "/v1/messages", body, {"x-api-key": "fake-key"}
    )

    assert status == 400
    assert "unknown option 'speed'" in json.loads(payload)["error"]["message"]


async def test_control_endpoints_list_and_reset(fake_claude):
    await stream_events(fake_claude, "printer?")

    _status, _headers, listed = await raw_request(fake_claude, "GET", "/_fake/requests")
    await raw_request(fake_claude, "POST", "/_fake/reset")

    [recorded] = json.loads(listed)
    assert recorded["scenario"] == "ok"
    assert recorded["completed"] is True
    assert "x-api-key" not in recorded["headers"]
    assert fake_claude.requests == []


def test_command_line_defaults_suit_benchmarks():
    args = parse_args([])

    assert args.host == "127.0.0.1"
    assert args.port == 8765
    assert args.first_token_delay == pytest.approx(0.4)
    assert args.tokens_per_second == pytest.approx(60)
