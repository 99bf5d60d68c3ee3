"""Run the fake Messages API: ``python -m chat.fake_claude --port 8765``."""

import argparse
import asyncio
import contextlib
import logging

from chat.fake_claude.scenarios import SCENARIOS, Options
from chat.fake_claude.server import FakeClaudeServer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m chat.fake_claude",
        description=(
            "Serve a fake Anthropic Messages API on POST /v1/messages. A request "
            "picks a scenario with a marker such as [scenario:overloaded] in "
            "its last user message, and may override the options below for "
            "itself, for example [scenario:ok tokens_per_second=60]."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    parser.add_argument(
        "--scenario",
        default="ok",
        choices=SCENARIOS,
        help="scenario of requests without a marker (default: ok)",
    )
    parser.add_argument(
        "--first-token-delay",
        type=float,
        default=0.4,
        help="seconds between the start of a stream and its first text (default: 0.4)",
    )
    parser.add_argument(
        "--tokens-per-second",
        type=float,
        default=60.0,
        help="text deltas per second, 0 for no pause (default: 60)",
    )
    parser.add_argument(
        "--output-tokens",
        type=int,
        default=None,
        help="number of text deltas in every response "
        "(default: the length of the built text)",
    )
    parser.add_argument(
        "--retry-after",
        type=float,
        default=1.0,
        help="retry-after header of 429, 500 and 529 responses, in seconds "
        "(default: 1)",
    )
    parser.add_argument(
        "--stall-seconds",
        type=float,
        default=600.0,
        help="seconds that the timeout scenario waits before it responds "
        "(default: 600)",
    )
    parser.add_argument(
        "--fail-times",
        type=int,
        default=None,
        help="failing scenarios fail this many requests per marker, then "
        "answer as ok (default: fail every request)",
    )
    return parser.parse_args(argv)


async def serve(args):
    options = Options(
        first_token_delay=args.first_token_delay,
        tokens_per_second=args.tokens_per_second,
        output_tokens=args.output_tokens,
        retry_after=args.retry_after,
        stall_seconds=args.stall_seconds,
        fail_times=args.fail_times,
    )
    server = FakeClaudeServer(args.host, args.port, args.scenario, options)
    async with server:
        logging.getLogger(__name__).info(
            "Fake Messages API listening on %s (default scenario: %s)",
            server.base_url,
            server.scenario,
        )
        await server.server.serve_forever()


def loop_factory():
    """Return uvloop's loop factory when it is installed, else None.

    Under load the fake shares the machine with the app it serves, so the
    cheaper loop leaves more CPU to the app.
    """
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args), loop_factory=loop_factory())


if __name__ == "__main__":
    main()
