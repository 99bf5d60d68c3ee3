"""Measure the CPU that one app worker spends on each request of a chat exchange.

The script sets up the same throwaway database, fake Messages API and
gunicorn server as bench/chat_load.py, with one ASGI worker, and sends the
requests of an exchange one at a time, so that nothing else runs on the
worker meanwhile. For each kind of request it reads the worker's CPU time
from /proc before and after --requests requests and prints the mean per
request:

- the chat page of a new visitor;
- posting a question, as the page does with htmx;
- the reply stream, read to its ``done`` event;
- the chat page of an employee whose conversation contains that exchange.

The stream is measured twice: with the fake model sending every token at
once, and at its --tokens-per-second pace, which shows what a paced token
costs on its own.

    DEBUG=0 .venv/bin/python bench/request_cpu.py --requests 30

The number of requests is capped at MAX_REQUESTS, every request has a
timeout, and the database and processes are removed at the end.
"""

import argparse
import asyncio
import json
import re
import signal
import time
from pathlib import Path

import aiohttp
from chat_load import (
    Workspace,
    add_fake_model_arguments,
    add_settings_argument,
    cookie_value,
    cpu_seconds,
    exit_on_signal,
    fetch,
    open_sessions,
    start_app,
    start_fake_claude,
    stop_process,
    worker_pids,
)

MAX_REQUESTS = 500
STREAM_URL = re.compile(rb'sse-connect="(/messages/[0-9a-f-]{36}/stream/)"')
QUESTION = "VPN does not connect from home"
# Markers for the fake model: all tokens at once, or at the --tokens-per-second
# pace. Both questions carry one, because the search reads the marker's words
# too (they cost it about 5 ms), so only the pace differs between them.
UNPACED = " [scenario:ok tokens_per_second=0]"
PACED = " [scenario:ok tokens_per_second={:g}]"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server, without a database name",
    )
    parser.add_argument(
        "--database-name",
        help="name of the throwaway database (default: one with this process id)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=30,
        help=f"requests of each kind, 1..{MAX_REQUESTS} (default: 30)",
    )
    add_fake_model_arguments(parser)
    add_settings_argument(parser)
    parser.add_argument("--json", type=Path, help="also write the results here")

    arguments = parser.parse_args()
    if not 1 <= arguments.requests <= MAX_REQUESTS:
        parser.error(f"--requests is invalid: use 1..{MAX_REQUESTS}")

    # start_app reads these options of bench/chat_load.py.
    arguments.workers = 1
    arguments.wsgi_threads = 1
    arguments.preload = True
    arguments.stream_timeout = 60.0
    return arguments


async def read_to_done(session, path):
    timeout = aiohttp.ClientTimeout(total=60)
    async with session.get(path, timeout=timeout) as response:
        if response.status != 200:
            raise RuntimeError(f"stream {path} returned status {response.status}")
        async for line in response.content:
            if line.rstrip(b"\r\n") == b"event: done":
                return
    raise RuntimeError(f"stream {path} ended without a done event")


async def post_question(session, text):
    token = cookie_value(session, "csrftoken") or ""
    response, body = await fetch(
        session,
        "POST",
        "/messages/",
        data={"text": text, "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true", "X-CSRFToken": token},
        timeout=aiohttp.ClientTimeout(total=30),
    )
    match = STREAM_URL.search(body)
    if response.status != 200 or match is None:
        raise RuntimeError(f"POST /messages/ returned status {response.status}")
    return match.group(1).decode()


async def get_page(session):
    response, _ = await fetch(
        session, "GET", "/", timeout=aiohttp.ClientTimeout(total=30)
    )
    if response.status != 200:
        raise RuntimeError(f"GET / returned status {response.status}")


async def measure_phase(name, worker, calls):
    """Run the calls one by one; return the CPU and wall time per call in ms."""
    cpu_before = cpu_seconds(worker)
    started = time.monotonic()
    for call in calls:
        await call()
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(worker) - cpu_before
    result = {
        "request": name,
        "cpu_ms": round(cpu * 1000 / len(calls), 1),
        "wall_ms": round(elapsed * 1000 / len(calls), 1),
    }
    print(f"{name}: {result['cpu_ms']} ms CPU, {result['wall_ms']} ms wall", flush=True)
    return result


async def measure(base_url, worker, count, tokens_per_second):
    connector, sessions = open_sessions(base_url, count * 2, count * 2)
    unpaced, paced = sessions[:count], sessions[count:]
    try:
        # The first request of each session gets its cookies; the pages
        # measured next are the second view of a visitor with no conversation.
        for session in sessions:
            await get_page(session)
        results = [
            await measure_phase(
                "chat page, new visitor",
                worker,
                [lambda s=s: get_page(s) for s in unpaced],
            )
        ]
        paths = {}

        async def post(session, text):
            paths[session] = await post_question(session, text)

        results.append(
            await measure_phase(
                "post a question",
                worker,
                [lambda s=s: post(s, QUESTION + UNPACED) for s in unpaced],
            )
        )
        results.append(
            await measure_phase(
                "reply stream, tokens at once",
                worker,
                [lambda s=s: read_to_done(s, paths[s]) for s in unpaced],
            )
        )
        results.append(
            await measure_phase(
                "chat page, one exchange",
                worker,
                [lambda s=s: get_page(s) for s in unpaced],
            )
        )
        for session in paced:
            await post(session, QUESTION + PACED.format(tokens_per_second))
        results.append(
            await measure_phase(
                "reply stream, paced tokens",
                worker,
                [lambda s=s: read_to_done(s, paths[s]) for s in paced],
            )
        )
        return results
    finally:
        for session in sessions:
            await session.close()
        await connector.close()


def main():
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, exit_on_signal)
    workspace = Workspace(
        arguments.database, arguments.database_name, arguments.settings_append
    )
    fake_process = app_process = None
    try:
        workspace.create()
        fake_process, fake_claude_url = start_fake_claude(
            arguments, workspace.directory
        )
        app_process, base_url, _log = start_app(
            "asgi", arguments, workspace, fake_claude_url, "request-cpu"
        )
        [worker] = worker_pids(app_process.pid)
        results = asyncio.run(
            measure(base_url, worker, arguments.requests, arguments.tokens_per_second)
        )
    finally:
        for process in (app_process, fake_process):
            if process is not None:
                stop_process(process)
        workspace.drop()
    if arguments.json:
        document = {"arguments": vars(arguments) | {"json": str(arguments.json)}}
        document["results"] = results
        arguments.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {arguments.json}")


if __name__ == "__main__":
    main()
