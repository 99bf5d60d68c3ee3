"""Stream answers from Claude, grounded in the knowledge-base articles found.

The answer text is forwarded chunk by chunk as the Messages API streams it.
After the text, the model calls the ``report_assessment`` tool, whose input
arrives as JSON fragments that the employee never sees.

Retries: the SDK (anthropic 2.17) retries timeouts, connection errors and
408, 409, 429 and 5xx responses (529 included) up to ``CLAUDE_MAX_RETRIES``
times, but only before the stream has started. An error in the middle of the
stream is not retried, because its text is already on the employee's screen.
The reply then ends with a failure code and the assistant appends its apology.

``CLAUDE_TIMEOUT`` bounds the connection and each wait for the next bytes,
which is how the SDK's httpx timeout works. It does not bound the whole
answer. ``CLAUDE_MAX_TOKENS`` bounds the answer's length instead.
"""

import asyncio
import functools
import json
import logging
import weakref

import httpx2
from anthropic import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncAnthropic,
    AuthenticationError,
    DefaultAioHttpClient,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
)
from django.conf import settings

from chat.responders.assessment import assessment_from_search, assessment_from_tool
from chat.responders.base import Assessment, Usage, clean_text
from chat.responders.prompt import TOOL_NAME, build_request
from chat.responders.sse import StreamError, decode_event, read_event_batches

logger = logging.getLogger(__name__)

# Failures that need an operator to fix the configuration are logged as
# errors. The others are transient and logged as warnings.
CONFIGURATION_FAILURES = {"auth", "bad_request"}
# Seconds between reads of a streamed response (see read_in_batches). The
# reply stream sends its text to the browser at the same interval.
READ_INTERVAL = 0.1

# One client per event loop, so that replies share its connection pool. A
# connection is bound to the loop that opened it, and a test or an
# ``async_to_sync`` call may run each reply on a new loop. Each entry also
# contains the tasks that close the loop's clients when the loop shuts down.
_clients = weakref.WeakKeyDictionary()


@functools.cache
def ssl_context():
    """Return the TLS context of every client; building one takes ~50 ms of CPU."""
    return httpx2.create_ssl_context()


def get_client():
    """Return the AsyncAnthropic client for the running loop and current settings.

    The client sends its requests through aiohttp, the SDK's optional
    transport. Its HTTP parser is written in C: on loopback, reading a
    streamed response cost about 30 microseconds of CPU per event against
    60 with the default httpx transport, which adds up with hundreds of
    responses streaming at once.
    """
    options = {
        "api_key": settings.ANTHROPIC_API_KEY,
        "base_url": settings.ANTHROPIC_BASE_URL,
        "timeout": settings.CLAUDE_TIMEOUT,
        "max_retries": settings.CLAUDE_MAX_RETRIES,
    }
    loop = asyncio.get_running_loop()
    cached = _clients.get(loop)
    if cached is not None and cached[0] == options:
        return cached[1]
    client = AsyncAnthropic(
        **options, http_client=DefaultAioHttpClient(verify=ssl_context())
    )
    # The closers of clients replaced after a settings change stay in the
    # list, because the loop itself keeps no reference to a waiting task.
    closers = cached[2] if cached is not None else []
    closers.append(loop.create_task(close_on_cancel(client)))
    _clients[loop] = (options, client, closers)
    return client


async def close_on_cancel(client):
    """Close ``client`` once this task is cancelled.

    ``asyncio.run``, uvicorn and pytest cancel the tasks that are left when
    their loop ends, so the client's connections close with the loop, and
    aiohttp does not report an unclosed session.
    """
    loop = asyncio.get_running_loop()
    try:
        await loop.create_future()
    finally:
        await client.close()
        # The entry's tasks refer to the loop, so the weak key alone would
        # never let a finished loop go.
        _clients.pop(loop, None)


class ClaudeResponder:
    name = "claude"

    def __init__(self, client=None):
        self.client = client

    async def stream(self, question, history, hits, language):
        client = self.client or get_client()
        request = build_request(
            question,
            history,
            hits,
            language,
            model=settings.CLAUDE_MODEL,
            max_tokens=settings.CLAUDE_MAX_TOKENS,
        )
        reader = EventReader()
        try:
            # Leaving the block closes the HTTP response, which stops the
            # model call when the consumer cancels or closes this generator.
            async with client.messages.with_streaming_response.create(
                **request, stream=True
            ) as response:
                reader.streaming = True
                reader.request_id = response.headers.get("request-id", "")
                chunks = read_in_batches(response.iter_bytes())
                # One item per read, not per token, because every item
                # passes through several generators on its way to the browser.
                async for events in read_event_batches(chunks):
                    text, error = reader.read_batch(events)
                    if text:
                        yield text
                    if error is not None:
                        raise error
        except (APIError, StreamError, httpx2.TransportError) as error:
            failure = classify_error(error, streaming=reader.streaming)
            log_failure(failure, reader, hits, error)
            yield failed_assessment(failure, reader)
            return

        failure = reader.stop_failure()
        if failure:
            log_failure(failure, reader, hits)
            yield failed_assessment(failure, reader)
            return

        assessment = assessment_from_tool(reader.tool_input(), question, hits, language)
        if assessment is None:
            logger.warning(
                "Claude sent no valid assessment, so the search score is used: "
                "request_id=%s stop_reason=%s",
                reader.request_id,
                reader.stop_reason,
            )
            assessment = assessment_from_search(question, hits, language)
        assessment.model = reader.model
        assessment.usage = reader.usage
        yield assessment


async def read_in_batches(chunks):
    """Yield ``chunks`` of the response, reading at most every READ_INTERVAL.

    The model sends each token as its own event. Waiting after each read
    lets the next tokens gather in the socket buffer, so one read returns
    several, and every read resumes the reply stream's whole chain of
    coroutines, from the ASGI server down to here. At 60 tokens a second
    this cut the CPU of a reply by about 13% (bench/request_cpu.py). A
    chunk is handed on as soon as it is read, so the first token is not
    delayed.
    """
    loop = asyncio.get_running_loop()
    async for chunk in chunks:
        read_at = loop.time()
        yield chunk
        remaining = READ_INTERVAL - (loop.time() - read_at)
        if remaining > 0:
            await asyncio.sleep(remaining)


class EventReader:
    """State of one streamed message, built from its raw server-sent events."""

    def __init__(self):
        self.streaming = False
        self.stopped = False
        self.request_id = ""
        self.model = ""
        self.stop_reason = ""
        self.usage = Usage()
        self.text_blocks = set()
        self.tool_block = None
        self.tool_json = []

    def read_batch(self, events):
        """Read raw ``(name, data)`` events; return their text and any StreamError.

        The text is that of the events before the error, which stops the batch.
        """
        texts = []
        for name, data in events:
            try:
                event = decode_event(name, data)
            except StreamError as error:
                return "".join(texts), error
            texts.append(self.read(event))
        return "".join(texts), None

    def read(self, event):
        """Record ``event``, a decoded JSON object, and return the text it adds."""
        kind = event.get("type")
        index = event.get("index")
        if not isinstance(index, int):
            index = None
        if kind == "message_start":
            message = as_object(event.get("message"))
            self.model = clean_text(str(message.get("model") or ""))
            self.read_usage(message.get("usage"))
        elif kind == "content_block_start":
            block = as_object(event.get("content_block"))
            if block.get("type") == "text":
                self.text_blocks.add(index)
            elif block.get("type") == "tool_use" and block.get("name") == TOOL_NAME:
                self.tool_block = index
        elif kind == "content_block_delta" and index is not None:
            delta = as_object(event.get("delta"))
            if delta.get("type") == "text_delta" and index in self.text_blocks:
                return clean_text(str(delta.get("text") or ""))
            if delta.get("type") == "input_json_delta" and index == self.tool_block:
                self.tool_json.append(str(delta.get("partial_json") or ""))
        elif kind == "message_delta":
            self.stop_reason = str(
                as_object(event.get("delta")).get("stop_reason") or ""
            )
            self.read_usage(event.get("usage"))
        elif kind == "message_stop":
            self.stopped = True
        return ""

    def read_usage(self, usage):
        # message_start carries the input counts. message_delta carries the
        # cumulative output count and, from newer API versions, the input
        # counts again, so a present value always replaces the earlier one.
        fields = {
            "input_tokens": "input_tokens",
            "output_tokens": "output_tokens",
            "cache_read_input_tokens": "cache_read_tokens",
            "cache_creation_input_tokens": "cache_write_tokens",
        }
        usage = as_object(usage)
        for source, target in fields.items():
            value = usage.get(source)
            if isinstance(value, int):
                setattr(self.usage, target, value)

    def tool_input(self):
        """Return the decoded input of the assessment call, or None."""
        if self.tool_block is None:
            return None
        try:
            return json.loads("".join(self.tool_json) or "{}")
        except json.JSONDecodeError:
            return None

    def stop_failure(self):
        """Return the failure code for how the message stopped, or ""."""
        if self.stop_reason == "refusal":
            return "refusal"
        # A full context window cuts the answer short just as max_tokens does.
        if self.stop_reason in ("max_tokens", "model_context_window_exceeded"):
            return "max_tokens"
        if not self.stopped:
            # The body ended cleanly but without message_stop, so the answer
            # may be cut off.
            return "stream_error"
        return ""


def as_object(value):
    """Return ``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def classify_error(error, streaming):
    """Return the failure code for an error raised by the SDK or the stream."""
    # httpx's errors come from reading the body, which the SDK leaves to us.
    if isinstance(error, APITimeoutError | httpx2.TimeoutException):
        return "timeout"
    if isinstance(error, APIConnectionError | httpx2.TransportError):
        return "connection"
    if not isinstance(error, APIStatusError) or streaming:
        # An error event or a malformed event in a stream that has started.
        return "stream_error"
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return "auth"
    if isinstance(error, RateLimitError):
        return "rate_limited"
    if isinstance(error, OverloadedError):
        return "overloaded"
    if error.status_code >= 500:
        return "server_error"
    return "bad_request"


def log_failure(failure, reader, hits, error=None):
    # The error's message can quote the request, so only its type and status
    # are logged.
    level = logging.ERROR if failure in CONFIGURATION_FAILURES else logging.WARNING
    error_type = ""
    if error is not None:
        error_type = getattr(error, "type", None) or type(error).__name__
    request_id = reader.request_id or getattr(error, "request_id", None) or ""
    logger.log(
        level,
        "Claude reply failed: failure=%s status=%s error_type=%s request_id=%s "
        "stop_reason=%s article_ids=%s",
        failure,
        getattr(error, "status_code", ""),
        error_type,
        request_id,
        reader.stop_reason,
        [hit.article.pk for hit in hits],
    )


def failed_assessment(failure, reader):
    return Assessment(
        confidence=0.0,
        reason="",
        failure=failure,
        model=reader.model,
        usage=reader.usage,
    )
