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
import json
import logging
import weakref

from anthropic import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncAnthropic,
    AuthenticationError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
)
from django.conf import settings

from chat.responders.assessment import assessment_from_search, assessment_from_tool
from chat.responders.base import Assessment, Usage
from chat.responders.prompt import TOOL_NAME, build_request

logger = logging.getLogger(__name__)

# Failures that need an operator to fix the configuration are logged as
# errors. The others are transient and logged as warnings.
CONFIGURATION_FAILURES = {"auth", "bad_request"}

# One client per event loop, so that replies share its connection pool. An
# httpx connection is bound to the loop that opened it, and a test or an
# ``async_to_sync`` call may run each reply on a new loop.
_clients = weakref.WeakKeyDictionary()


def get_client():
    """Return the AsyncAnthropic client for the running loop and current settings."""
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
    client = AsyncAnthropic(**options)
    _clients[loop] = (options, client)
    return client


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
            async with await client.messages.create(**request, stream=True) as events:
                reader.streaming = True
                reader.request_id = events.response.headers.get("request-id", "")
                async for event in events:
                    text = reader.read(event)
                    if text:
                        yield text
        except (APIError, json.JSONDecodeError) as error:
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

    def read(self, event):
        """Record ``event`` and return the text it adds to the answer, if any."""
        if event.type == "message_start":
            self.model = event.message.model
            self.read_usage(event.message.usage)
        elif event.type == "content_block_start":
            block = event.content_block
            if block.type == "text":
                self.text_blocks.add(event.index)
            elif block.type == "tool_use" and block.name == TOOL_NAME:
                self.tool_block = event.index
        elif event.type == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta" and event.index in self.text_blocks:
                return delta.text
            if delta.type == "input_json_delta" and event.index == self.tool_block:
                self.tool_json.append(delta.partial_json)
        elif event.type == "message_delta":
            self.stop_reason = event.delta.stop_reason or ""
            self.read_usage(event.usage)
        elif event.type == "message_stop":
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
        for source, target in fields.items():
            value = getattr(usage, source, None)
            if value is not None:
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


def classify_error(error, streaming):
    """Return the failure code for an error raised by the SDK."""
    if isinstance(error, APITimeoutError):
        return "timeout"
    if isinstance(error, APIConnectionError):
        return "connection"
    if not isinstance(error, APIStatusError) or streaming:
        # Once the response has started, a status error can only come from an
        # `error` event in the stream. A JSONDecodeError means a malformed event.
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
