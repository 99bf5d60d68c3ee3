"""An asyncio HTTP server that imitates the Messages API for tests and benchmarks.

``POST /v1/messages`` responds with the scenario that the request picks (see
``chat.fake_claude.scenarios``), streamed as server-sent events when the
request sets ``"stream": true`` and as one JSON message otherwise. Two more
endpoints serve scripts that run the fake in its own process:
``GET /_fake/requests`` returns the recorded requests as JSON, and
``POST /_fake/reset`` clears them together with the simulated prompt cache.

Every response closes its connection, so the server sees when a client goes
away before the response is complete.
"""

import asyncio
import itertools
import json
import logging
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache

from chat.fake_claude import wire
from chat.fake_claude.messages import Reply, count_input_usage, validate_body
from chat.fake_claude.scenarios import SCENARIOS, Options, find_marker, plan_reply

logger = logging.getLogger(__name__)

# The fake resolves a model alias to a dated id, as the API does, so a client
# can tell the id that it read from message_start from the one it sent.
MODEL_ALIASES = {"claude-haiku-4-5": "claude-haiku-4-5-20251001"}
SECRET_HEADERS = {"x-api-key", "authorization"}
CONTROL_PREFIX = "/_fake/"
# The statuses that carry a retry-after header when Options.retry_after is set.
RETRY_AFTER_STATUSES = {429, 500, 529}


@dataclass(eq=False)
class RecordedRequest:
    """One request that the fake received, and how its response ended."""

    number: int
    method: str
    path: str
    # Request headers with lower-case names, without the API key.
    headers: dict
    # The decoded JSON body, or None when the body is not JSON.
    body: object
    scenario: str = ""
    status: int = 0
    # True once the whole response was written.
    completed: bool = False
    # True when the server cut the connection on purpose (scenario "disconnect").
    dropped: bool = False
    # True when the client closed the connection before the response was complete.
    disconnected: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def as_dict(self):
        return {
            "number": self.number,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body,
            "scenario": self.scenario,
            "status": self.status,
            "completed": self.completed,
            "dropped": self.dropped,
            "disconnected": self.disconnected,
        }


class FakeClaudeServer:
    """The fake Messages API. Use ``async with`` or ``start()`` and ``close()``.

    A test that sets ``reply_text`` gets that text streamed as every
    successful answer, in place of the one built from the first article.
    """

    def __init__(self, host="127.0.0.1", port=0, scenario="ok", options=None):
        if scenario not in SCENARIOS:
            raise ValueError(
                f"unknown scenario {scenario!r}: expected one of {SCENARIOS}"
            )
        self.host = host
        self.port = port
        self.scenario = scenario
        self.options = options or Options()
        self.requests = []
        self.request_numbers = itertools.count(1)
        self.cached_prefixes = set()
        self.failure_counts = Counter()
        self.connections = set()
        self.server = None
        self.reply_text = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    async def start(self):
        self.server = await asyncio.start_server(
            self.handle_connection, self.host, self.port
        )
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self):
        self.server.close()
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)
        await self.server.wait_closed()

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc_info):
        await self.close()

    def reset(self):
        self.requests.clear()
        self.cached_prefixes.clear()
        self.failure_counts.clear()

    async def handle_connection(self, reader, writer):
        task = asyncio.current_task()
        self.connections.add(task)
        try:
            await self.serve(reader, writer)
        except ConnectionError:
            pass
        finally:
            self.connections.discard(task)
            writer.close()

    async def serve(self, reader, writer):
        try:
            request = await wire.read_request(reader)
        except wire.BadRequest as error:
            payload = wire.error_body("invalid_request_error", str(error), "")
            writer.write(wire.json_response(400, payload))
            await writer.drain()
            return
        if request is None:
            return

        record = self.record(*request)
        started = time.monotonic()
        close_watcher = asyncio.create_task(wait_for_close(reader))
        response_task = asyncio.create_task(self.respond(record, request, writer))
        try:
            await asyncio.wait(
                {close_watcher, response_task}, return_when=asyncio.FIRST_COMPLETED
            )
            if not response_task.done():
                response_task.cancel()
            with suppress(asyncio.CancelledError, ConnectionError):
                await response_task
        except Exception:
            logger.exception("Request %d failed in the fake server", record.number)
        finally:
            close_watcher.cancel()
            record.disconnected = not (record.completed or record.dropped)
            record.finished.set()
            logger.info(
                "Request %d: %s %s scenario=%s status=%s completed=%s "
                "disconnected=%s seconds=%.2f",
                record.number,
                record.method,
                record.path,
                record.scenario or "-",
                record.status,
                record.completed,
                record.disconnected,
                time.monotonic() - started,
            )

    def record(self, method, path, headers, raw_body):
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        visible = {k: v for k, v in headers.items() if k not in SECRET_HEADERS}
        number = next(self.request_numbers)
        record = RecordedRequest(number, method, path, visible, body)
        # Requests to the control endpoints are not part of what a test checks.
        if not path.startswith(CONTROL_PREFIX):
            self.requests.append(record)
        return record

    async def respond(self, record, request, writer):
        method, path, headers, raw_body = request
        request_id = f"req_fake{record.number:06d}"
        if (method, path) == ("GET", "/_fake/requests"):
            payload = [item.as_dict() for item in self.requests]
            await self.send(writer, record, wire.json_response(200, payload))
        elif (method, path) == ("POST", "/_fake/reset"):
            self.reset()
            await self.send(writer, record, wire.json_response(200, {"reset": True}))
        elif (method, path) == ("POST", "/v1/messages"):
            await self.respond_messages(record, headers, raw_body, writer, request_id)
        else:
            await self.send_error(
                writer, record, 404, "not_found_error", f"{method} {path} not found"
            )

    async def respond_messages(self, record, headers, raw_body, writer, request_id):
        if not (headers.get("x-api-key") or headers.get("authorization")):
            await self.send_error(
                writer,
                record,
                401,
                "authentication_error",
                "x-api-key header is required",
            )
            return
        body = record.body
        problem = validate_body(body)
        if problem:
            await self.send_error(writer, record, 400, "invalid_request_error", problem)
            return

        scenario, option_texts = find_marker(body)
        scenario = scenario or self.scenario
        try:
            if scenario not in SCENARIOS:
                raise ValueError(f"unknown scenario {scenario!r}")
            options = self.options.updated(option_texts)
        except ValueError as error:
            message = f"Invalid fake scenario marker: {error}."
            await self.send_error(writer, record, 400, "invalid_request_error", message)
            return
        record.scenario = scenario

        failing = self.should_fail(scenario, option_texts, options.fail_times)
        plan = plan_reply(scenario, body, options, failing, self.reply_text)
        if plan.status != 200:
            retry_after = None
            if plan.status in RETRY_AFTER_STATUSES:
                retry_after = options.retry_after
            await self.send_error(
                writer,
                record,
                plan.status,
                plan.error_type,
                plan.error_message,
                retry_after=retry_after,
            )
            return
        if plan.stall_seconds:
            await asyncio.sleep(plan.stall_seconds)

        reply = Reply(
            plan=plan,
            options=options,
            model=MODEL_ALIASES.get(body["model"], body["model"]),
            usage=count_input_usage(body, self.cached_prefixes),
            number=record.number,
            request_id=request_id,
        )
        if body.get("stream"):
            await self.stream(writer, record, reply)
        elif plan.break_with == "disconnect":
            record.dropped = True
            writer.transport.abort()
        elif plan.break_with == "stream_error":
            await self.send_error(
                writer, record, 500, "api_error", "Internal server error"
            )
        else:
            response = wire.json_response(
                200, reply.message(), {"request-id": request_id}
            )
            await self.send(writer, record, response)

    def should_fail(self, scenario, option_texts, fail_times):
        """Count a failure of ``scenario`` and return False once it has used them up."""
        if fail_times is None:
            return True
        key = (scenario, tuple(sorted(option_texts.items())))
        if self.failure_counts[key] >= fail_times:
            return False
        self.failure_counts[key] += 1
        return True

    async def stream(self, writer, record, reply):
        plan = reply.plan
        record.status = 200
        writer.write(wire.stream_head({"request-id": reply.request_id}))
        writer.write(wire.sse_event("message_start", reply.message_start()))
        writer.write(
            wire.sse_event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        writer.write(wire.sse_event("ping", {"type": "ping"}))
        await writer.drain()

        await asyncio.sleep(reply.options.first_token_delay)
        breaks = plan.break_after is not None and plan.break_after < len(plan.tokens)
        tokens = plan.tokens[: plan.break_after] if breaks else plan.tokens
        rate = reply.options.tokens_per_second
        await send_paced(writer, text_events(tuple(tokens)), rate)
        if breaks:
            await self.break_stream(writer, record, reply)
            return
        stop = {"type": "content_block_stop", "index": 0}
        writer.write(wire.sse_event("content_block_stop", stop))

        if plan.tool_input is not None:
            for name, payload in reply.tool_events():
                writer.write(wire.sse_event(name, payload))
        writer.write(wire.sse_event("message_delta", reply.message_delta()))
        writer.write(wire.sse_event("message_stop", {"type": "message_stop"}))
        writer.write(wire.LAST_CHUNK)
        record.completed = True
        await writer.drain()

    async def break_stream(self, writer, record, reply):
        if reply.plan.break_with == "disconnect":
            record.dropped = True
            writer.transport.abort()
            return
        error = wire.error_body("overloaded_error", "Overloaded", reply.request_id)
        writer.write(wire.sse_event("error", error))
        writer.write(wire.LAST_CHUNK)
        record.completed = True
        await writer.drain()

    async def send_error(
        self, writer, record, status, error_type, message, retry_after=None
    ):
        request_id = f"req_fake{record.number:06d}"
        headers = {"request-id": request_id}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        payload = wire.error_body(error_type, message, request_id)
        await self.send(writer, record, wire.json_response(status, payload, headers))

    async def send(self, writer, record, data):
        record.status = int(data.split(b" ", 2)[1])
        writer.write(data)
        record.completed = True
        await writer.drain()


async def wait_for_close(reader):
    """Return when the client closes its side of the connection."""
    with suppress(ConnectionError):
        while await reader.read(4096):
            pass


@lru_cache(maxsize=64)
def text_events(tokens):
    """Return the ``content_block_delta`` event of each token, framed as chunks.

    Cached because a benchmark streams the same text to many clients.
    """
    events = []
    for token in tokens:
        delta = {"type": "text_delta", "text": token}
        event = {"type": "content_block_delta", "index": 0, "delta": delta}
        events.append(wire.sse_event("content_block_delta", event))
    return tuple(events)


async def send_paced(writer, events, rate):
    """Write ``events``, the first at once and then ``rate`` per second.

    Each event is written from a timer callback rather than after a sleep in
    this coroutine. With 200 streams on loopback, a task wake-up per token
    cost the fake about 70 microseconds of CPU per token, and this way about
    30. The times are measured from the first event, so timer delays do not
    add up. A rate of 0 writes all events at once.
    """
    if not events:
        return
    if not rate:
        for event in events:
            writer.write(event)
        await writer.drain()
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = loop.create_future()
    handle = None

    def send(index):
        nonlocal handle
        if sent.done():
            return
        if writer.transport.is_closing():
            sent.set_exception(
                ConnectionResetError("The client closed the connection.")
            )
            return
        writer.write(events[index])
        if index + 1 == len(events):
            sent.set_result(None)
        else:
            handle = loop.call_at(start + (index + 1) / rate, send, index + 1)

    send(0)
    try:
        await sent
    finally:
        if handle is not None:
            handle.cancel()
    await writer.drain()
