"""Request checks, usage counts and response bodies of the fake Messages API."""

import hashlib
import json
from dataclasses import dataclass

from chat.fake_claude.scenarios import Options, Plan

# An estimate of characters per token, used for the input and output counts.
CHARS_PER_TOKEN = 4


def validate_body(body):
    """Return what is wrong with a Messages API request body, or ""."""
    if not isinstance(body, dict):
        return "The request body is not a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required."
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
        return "max_tokens: Field required."
    if max_tokens < 0:
        return "max_tokens: Input should be greater than or equal to 0."
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required."
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "user",
            "assistant",
        ):
            return f"messages.{index}.role: Input should be 'user' or 'assistant'."
    return ""


def prefix_blocks(body):
    """Yield the blocks of the prompt in the order the cache reads them."""
    yield from body.get("tools") or []
    system = body.get("system")
    if isinstance(system, str):
        yield {"type": "text", "text": system}
    elif isinstance(system, list):
        yield from system
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict):
                    yield {"role": message.get("role"), **block}
        else:
            yield {"role": message.get("role"), "content": content}


def count_input_usage(body, cached_prefixes):
    """Return the input token counts, simulating the prompt cache.

    The prefix is read in the API's order (tools, system, messages). Each
    block with ``cache_control`` ends a cacheable prefix. The longest
    prefix seen before is read from the cache, and the rest up to the last
    breakpoint is written to it. ``cached_prefixes`` is updated in place.
    """
    digest = hashlib.sha256(str(body.get("model")).encode())
    total = 0
    breakpoints = []
    for block in prefix_blocks(body):
        text = json.dumps(block, sort_keys=True, ensure_ascii=False)
        digest.update(text.encode())
        total += len(text) // CHARS_PER_TOKEN + 1
        if isinstance(block, dict) and block.get("cache_control"):
            breakpoints.append((digest.hexdigest(), total))

    read = 0
    for key, tokens in reversed(breakpoints):
        if key in cached_prefixes:
            read = tokens
            break
    written = breakpoints[-1][1] - read if breakpoints else 0
    cached_prefixes.update(key for key, _tokens in breakpoints)
    return {
        "input_tokens": total - read - written,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
    }


@dataclass
class Reply:
    """The pieces of a successful response, in the Messages API's shapes."""

    plan: Plan
    options: Options
    model: str
    usage: dict
    number: int
    request_id: str

    def output_tokens(self):
        tool = json.dumps(self.plan.tool_input) if self.plan.tool_input else ""
        return len(self.plan.tokens) + len(tool) // CHARS_PER_TOKEN

    def message_start(self):
        message = self.message()
        message.update(content=[], stop_reason=None, stop_details=None)
        message["usage"] = {**self.usage, "output_tokens": 1}
        return {"type": "message_start", "message": message}

    def message(self):
        """Return the complete message, as a non-streaming response sends it."""
        content = [{"type": "text", "text": "".join(self.plan.tokens)}]
        if self.plan.tool_input is not None:
            content.append(self.tool_block(self.plan.tool_input))
        return {
            "id": f"msg_fake{self.number:06d}",
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": self.plan.stop_reason,
            "stop_sequence": None,
            "stop_details": self.stop_details(),
            "usage": {**self.usage, "output_tokens": self.output_tokens()},
        }

    def stop_details(self):
        if self.plan.stop_reason == "refusal":
            return {"type": "refusal", "category": None, "explanation": None}
        return None

    def tool_block(self, tool_input):
        return {
            "type": "tool_use",
            "id": f"toolu_fake{self.number:06d}",
            "name": "report_assessment",
            "input": tool_input,
        }

    def tool_events(self):
        """Yield (event name, payload) for the tool call, its input in three parts."""
        yield (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": self.tool_block({}),
            },
        )
        text = json.dumps(self.plan.tool_input, ensure_ascii=False)
        third = len(text) // 3 + 1
        for part in ["", text[:third], text[third : 2 * third], text[2 * third :]]:
            delta = {"type": "input_json_delta", "partial_json": part}
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": 1, "delta": delta},
            )
        yield "content_block_stop", {"type": "content_block_stop", "index": 1}

    def message_delta(self):
        return {
            "type": "message_delta",
            "delta": {
                "stop_reason": self.plan.stop_reason,
                "stop_sequence": None,
                "stop_details": self.stop_details(),
            },
            "usage": {**self.usage, "output_tokens": self.output_tokens()},
        }
