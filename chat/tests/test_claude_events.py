"""Reading the Messages API's server-sent events without the SDK's models."""

import itertools
import json
import time

import pytest

from chat.responders.claude import READ_INTERVAL, EventReader, read_in_batches
from chat.responders.sse import StreamError, decode_event, read_event_batches

START = (
    b'{"type":"message_start","message":'
    b'{"model":"claude-x","usage":{"input_tokens":12,"output_tokens":1}}}'
)
PING = b'{"type":"ping"}'
# The text is "При" in UTF-8, so that a cut can fall inside a character.
DELTA = (
    b'{"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"\xd0\x9f\xd1\x80\xd0\xb8"}}'
)
STREAM = (
    b"event: message_start\ndata: " + START + b"\n\n"
    b": a comment line\n\n"
    b"event: ping\ndata:" + PING + b"\n\n"
    b"event: content_block_delta\ndata: " + DELTA + b"\n\n"
    b"event: two_lines\ndata: first\ndata: second\n\n"
)
EXPECTED = [
    ("message_start", START),
    ("ping", PING),
    ("content_block_delta", DELTA),
    ("two_lines", b"first\nsecond"),
]


async def chunks_of(*parts):
    for part in parts:
        yield part


async def collect(*parts):
    batches = [batch async for batch in read_event_batches(chunks_of(*parts))]
    return [event for batch in batches for event in batch]


async def test_events_are_read_from_one_chunk():
    events = await collect(STREAM)

    assert events == EXPECTED
    assert json.loads(events[2][1])["delta"]["text"] == "При"


@pytest.mark.parametrize("line_end", [b"\r\n", b"\r"])
async def test_cut_chunks_give_same_events(line_end):
    stream = STREAM.replace(b"\n", line_end)

    for cut in range(1, len(stream)):
        assert await collect(stream[:cut], stream[cut:]) == EXPECTED, cut


async def test_one_byte_chunks_give_same_events():
    parts = [STREAM[i : i + 1] for i in range(len(STREAM))]

    assert await collect(*parts) == EXPECTED


async def test_each_chunk_yields_its_events_together():
    first, second = STREAM.split(b": a comment line")
    chunks = chunks_of(first, b": a comment line", second)

    batches = [batch async for batch in read_event_batches(chunks)]

    assert batches == [EXPECTED[:1], EXPECTED[1:]]


async def test_unfinished_event_is_dropped():
    events = await collect(b'event: ping\ndata: {"type":"ping"}\n')

    assert events == []


def test_error_event_raises_with_its_type():
    data = b'{"type":"error","error":{"type":"overloaded_error","message":"Busy"}}'

    with pytest.raises(StreamError) as raised:
        decode_event("error", data)

    assert raised.value.type == "overloaded_error"


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b'"text"', b"\xff"])
def test_malformed_event_raises(data):
    with pytest.raises(StreamError):
        decode_event("content_block_delta", data)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message_start", "message": "not an object"},
        {"type": "message_start", "message": {"usage": [1, 2]}},
        {"type": "content_block_start", "index": [0], "content_block": {}},
        {"type": "content_block_delta", "index": {}, "delta": {"type": "x"}},
        {"type": "content_block_delta", "index": 0, "delta": None},
        {"type": "message_delta", "delta": 5, "usage": {"output_tokens": "7"}},
        {"type": "something_new", "index": 3},
    ],
)
def test_unexpected_shape_adds_no_text(event):
    reader = EventReader()

    assert reader.read(event) == ""
    assert reader.usage.output_tokens == 0


def test_text_comes_only_from_text_blocks():
    reader = EventReader()
    reader.read(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}
    )
    reader.read(
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "name": "report_assessment"},
        }
    )

    text = reader.read(
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Hi"},
        }
    )
    hidden = reader.read(
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "text_delta", "text": "no"},
        }
    )
    reader.read(
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {
                "type": "input_json_delta",
                "partial_json": '{"confidence": 0.9}',
            },
        }
    )

    assert (text, hidden) == ("Hi", "")
    assert reader.tool_input() == {"confidence": 0.9}


async def test_batched_reads_wait_between_chunks():
    pulled = []

    async def ready_chunks():
        for chunk in (b"a", b"b", b"c"):
            pulled.append(time.monotonic())
            yield chunk

    chunks = [chunk async for chunk in read_in_batches(ready_chunks())]

    gaps = [later - earlier for earlier, later in itertools.pairwise(pulled)]
    assert chunks == [b"a", b"b", b"c"]
    assert min(gaps) >= READ_INTERVAL * 0.9


def text_event(index, text):
    delta = {"type": "text_delta", "text": text}
    event = {"type": "content_block_delta", "index": index, "delta": delta}
    return ("content_block_delta", json.dumps(event).encode())


def test_batch_text_joins_its_events():
    reader = EventReader()
    start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text"},
    }
    events = [
        ("content_block_start", json.dumps(start).encode()),
        text_event(0, "Restart "),
        ("ping", PING),
        text_event(0, "the client."),
    ]

    text, error = reader.read_batch(events)

    assert text == "Restart the client."
    assert error is None


def test_batch_keeps_text_before_error_event():
    reader = EventReader()
    start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text"},
    }
    failure = {"type": "error", "error": {"type": "overloaded_error"}}
    events = [
        ("content_block_start", json.dumps(start).encode()),
        text_event(0, "Restart "),
        ("error", json.dumps(failure).encode()),
        text_event(0, "the client."),
    ]

    text, error = reader.read_batch(events)

    assert text == "Restart "
    assert isinstance(error, StreamError)
    assert error.type == "overloaded_error"


def test_nul_and_lone_surrogate_are_cleaned():
    reader = EventReader()
    reader.read(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}
    )
    data = (
        b'{"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"a\\u0000b\\ud800c"}}'
    )

    text = reader.read(decode_event("content_block_delta", data))

    assert text == "ab\ufffdc"
    assert text.encode("utf-8") == b"ab\xef\xbf\xbdc"
