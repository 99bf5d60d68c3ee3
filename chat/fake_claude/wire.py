"""HTTP/1.1 and server-sent event framing of the Messages API, as the fake sends it.

The shapes follow Anthropic's streaming documentation: ``message_start``,
``content_block_start``, ``ping``, ``content_block_delta``,
``content_block_stop``, ``message_delta`` and ``message_stop`` events, an
``error`` event in the middle of a stream, and JSON error bodies of the form
``{"type": "error", "error": {"type": ..., "message": ...}, "request_id": ...}``.
"""

import asyncio
import json
from http import HTTPStatus

MAX_BODY_BYTES = 32 * 1024 * 1024


class BadRequest(Exception):
    """The bytes received are not an HTTP request that the fake can read."""


async def read_request(reader):
    """Read one request and return (method, path, headers, body bytes).

    Returns None when the client closed the connection before sending a
    request. Raises BadRequest on a malformed head or an unsupported body.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise BadRequest("the connection closed in the request head") from error
    except asyncio.LimitOverrunError as error:
        raise BadRequest("the request head is too long") from error

    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError as error:
        raise BadRequest(f"invalid request line {lines[0]!r}") from error
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()

    if "chunked" in headers.get("transfer-encoding", ""):
        raise BadRequest("chunked request bodies are not supported")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as error:
        raise BadRequest("invalid content-length") from error
    if not 0 <= length <= MAX_BODY_BYTES:
        raise BadRequest(f"content-length {length} is out of range")
    try:
        body = await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError as error:
        raise BadRequest("the connection closed in the request body") from error
    return method, target.partition("?")[0], headers, body


def response_head(status, headers):
    reason = HTTPStatus(status).phrase if status in HTTPStatus else "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_response(status, payload, headers=None):
    """Return the bytes of a complete response with a JSON body."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    all_headers = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "connection": "close",
        **(headers or {}),
    }
    return response_head(status, all_headers) + body


def stream_head(headers=None):
    """Return the head of a chunked text/event-stream response."""
    all_headers = {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "transfer-encoding": "chunked",
        "connection": "close",
        **(headers or {}),
    }
    return response_head(200, all_headers)


def chunk(data):
    """Frame ``data`` as one chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


def sse_event(name, payload):
    """Return one server-sent event, framed as a chunk."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return chunk(f"event: {name}\ndata: {data}\n\n".encode())


def error_body(error_type, message, request_id):
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }
