"""Load-test the chat: concurrent reply streams and the chat page.

The script creates a throwaway PostgreSQL database, migrates it, loads the
knowledge fixture and collects static files into a temporary folder. It
starts the fake Messages API (or uses --fake-claude-url) and serves the app
under gunicorn on a free loopback port (with --preload, as the Dockerfile
does, unless --no-preload), once per server kind and concurrency:

- asgi: helpdesk.asgi with uvicorn_worker.UvicornWorker, as in production;
- wsgi: helpdesk.wsgi with gthread workers, for comparison. WSGI buffers
  each reply stream until the answer is complete.

Each simulated employee has its own cookie jar. It requests the chat page,
posts a question with htmx headers, opens the reply stream and reads it to
the ``done`` event. A second phase requests the chat page at a fixed offered
rate. The report gives each worker's peak resident, proportional and
unique set sizes, sampled every half second. The database is dropped and
every process stopped at the end.

    DEBUG=0 .venv/bin/python bench/chat_load.py --concurrency 100 250 500

Every load loop is bounded: --concurrency, --page-rate and --page-seconds
have hard maximums, and each stream phase ends after --ramp-seconds plus
--stream-timeout even when replies are still open.
"""

import argparse
import asyncio
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg

try:
    # uvloop comes with uvicorn[standard]. Its event loop uses less CPU than
    # asyncio's, which leaves more of the shared cores to the app.
    import uvloop
except ImportError:
    uvloop = None

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

MAX_CONCURRENCY = 2000
MAX_WORKERS = 16
MAX_PAGE_RATE = 1000
MAX_PAGE_SECONDS = 60
MAX_STREAM_TIMEOUT = 300
# Employees whose cookie jars request the chat page in the page phase. Their
# conversations already hold one question and its finished reply.
PAGE_CLIENTS = 20
STARTUP_TIMEOUT = 60
STREAM_URL = re.compile(rb'sse-connect="(/messages/[0-9a-f-]{36}/stream/)"')
STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')
# Requests per static file of the chat page in the static phase, sent by
# STATIC_CONCURRENCY clients at once.
STATIC_REQUESTS_PER_FILE = 50
STATIC_CONCURRENCY = 10
# Django's ASGI handler prints this when a response body must be read from a
# synchronous iterator in a thread, which holds the whole body in memory.
SYNC_ITERATOR_WARNING = "must consume synchronous iterators"
# Lines of the reply stream that the employees look for, without the line end.
DELTA_LINE = b"event: delta"
DONE_LINE = b"event: done"
QUESTIONS = [
    "VPN does not connect from home",
    "I forgot my password and cannot log in",
    "Outlook does not open my mailbox",
    "The printer on the third floor does not print",
    "Не работает VPN из дома",
    "Не могу войти в корпоративную почту",
]

# Overrides the production settings only where a benchmark needs to: the
# collected static files go to a temporary folder instead of the checkout.
SETTINGS_TEMPLATE = """\
from helpdesk.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
"""


def add_fake_model_arguments(parser):
    """Add the pace of the fake Messages API to ``parser``."""
    parser.add_argument(
        "--first-token-delay",
        type=float,
        default=0.4,
        help="seconds before the fake model's first token (default: 0.4)",
    )
    parser.add_argument(
        "--tokens-per-second",
        type=float,
        default=60.0,
        help="text deltas per second of the fake model (default: 60)",
    )
    parser.add_argument(
        "--output-tokens",
        type=int,
        default=300,
        help="text deltas per fake reply (default: 300)",
    )


def add_settings_argument(parser):
    parser.add_argument(
        "--settings-append",
        type=Path,
        help="Python file whose lines are appended to the benchmark's settings "
        "module, to measure a settings change without editing the project",
    )


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without a database name; the script creates "
        "and drops helpdesk_bench_chat_<process id> on it",
    )
    parser.add_argument(
        "--database-name",
        help="name of the throwaway database (default: "
        "helpdesk_bench_chat_<process id>); it is dropped at the end",
    )
    parser.add_argument(
        "--server",
        choices=["asgi", "wsgi", "both"],
        default="both",
        help="server kinds to measure (default: both)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[100],
        help=f"simulated employees per run, one run per value (max {MAX_CONCURRENCY})",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes"
    )
    parser.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load the app in the gunicorn master before forking the workers, "
        "as the Dockerfile does (default: on)",
    )
    parser.add_argument(
        "--wsgi-threads",
        type=int,
        default=4,
        help="threads per gthread worker of the wsgi server (default: 4)",
    )
    parser.add_argument(
        "--ramp-seconds",
        type=float,
        default=2.0,
        help="seconds over which the employees start, evenly spaced",
    )
    parser.add_argument(
        "--stream-timeout",
        type=float,
        default=60.0,
        help="seconds an employee waits for its whole exchange before it counts "
        f"as an error (max {MAX_STREAM_TIMEOUT})",
    )
    parser.add_argument(
        "--page-rate",
        type=float,
        default=100.0,
        help=f"offered chat page requests per second (max {MAX_PAGE_RATE}); "
        "0 skips the page phase",
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=10.0,
        help=f"duration of the page phase in seconds (max {MAX_PAGE_SECONDS})",
    )
    parser.add_argument(
        "--fake-claude-url",
        help="use this running fake Messages API instead of starting one",
    )
    add_fake_model_arguments(parser)
    add_settings_argument(parser)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the temporary folder with the server logs and print its path",
    )
    arguments = parser.parse_args()

    for value in arguments.concurrency:
        if not 1 <= value <= MAX_CONCURRENCY:
            parser.error(f"--concurrency {value} is invalid: use 1..{MAX_CONCURRENCY}")
    if not 1 <= arguments.workers <= MAX_WORKERS:
        parser.error(f"--workers {arguments.workers} is invalid: use 1..{MAX_WORKERS}")
    if not 1 <= arguments.wsgi_threads <= 64:
        parser.error(f"--wsgi-threads {arguments.wsgi_threads} is invalid: use 1..64")
    if not 0 <= arguments.page_rate <= MAX_PAGE_RATE:
        parser.error(f"--page-rate is invalid: use 0..{MAX_PAGE_RATE}")
    if not 0 < arguments.page_seconds <= MAX_PAGE_SECONDS:
        parser.error(f"--page-seconds is invalid: use (0, {MAX_PAGE_SECONDS}]")
    if not 0 < arguments.stream_timeout <= MAX_STREAM_TIMEOUT:
        parser.error(f"--stream-timeout is invalid: use (0, {MAX_STREAM_TIMEOUT}]")
    if not 0 <= arguments.ramp_seconds <= 60:
        parser.error("--ramp-seconds is invalid: use 0..60")
    return arguments


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, fraction):
    """Return the nearest-rank percentile of values, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def milliseconds(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def summarize(values):
    """Return p50, p95 and p99 of durations in seconds, in milliseconds."""
    return {
        "p50": milliseconds(percentile(values, 0.50)),
        "p95": milliseconds(percentile(values, 0.95)),
        "p99": milliseconds(percentile(values, 0.99)),
    }


# Set-up and tear-down of the database, the fake model and the app server.


class Workspace:
    """The throwaway database, settings module and static files of one run."""

    def __init__(self, server_url, name=None, settings_append=None):
        self.settings_append = settings_append
        self.server_url = server_url.rstrip("/")
        self.name = name or f"helpdesk_bench_chat_{os.getpid()}"
        self.directory = Path(tempfile.mkdtemp(prefix="helpdesk-chat-bench-"))
        self.database_url = f"{self.server_url}/{self.name}"
        self.created = False

    def environment(self, **extra):
        environment = dict(os.environ)
        environment.update(
            DEBUG="0",
            SECRET_KEY="chat-load-benchmark-only",
            # The benchmark speaks plain HTTP to the app, without the proxy
            # that terminates TLS in production: secure-only cookies would
            # never come back, and every page would redirect to HTTPS.
            SECURE_COOKIES="0",
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="bench_settings",
            PYTHONPATH=os.pathsep.join([str(self.directory), str(BASE_DIR)]),
            # Every employee posts from 127.0.0.1, so the per-address limit
            # would stop the benchmark after the default 20 posts a minute.
            HELPDESK_CHAT_RATE="100000/minute",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        environment.pop("REDIS_URL", None)
        environment.update(extra)
        return environment

    def create(self):
        with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True
        settings = SETTINGS_TEMPLATE.format(static_root=str(self.directory / "static"))
        if self.settings_append:
            settings += "\n" + self.settings_append.read_text()
        (self.directory / "bench_settings.py").write_text(settings)
        environment = self.environment()
        for command in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["loaddata", "knowledge", "--verbosity", "0"],
            ["collectstatic", "--noinput", "--verbosity", "0"],
        ):
            subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=BASE_DIR,
                env=environment,
                check=True,
                timeout=300,
            )

    def max_connections(self):
        with psycopg.connect(f"{self.server_url}/postgres") as db:
            return int(db.execute("SHOW max_connections").fetchone()[0])

    def drop(self, keep_directory=False):
        if self.created:
            with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        if keep_directory:
            print(f"server logs: {self.directory}")
        else:
            shutil.rmtree(self.directory, ignore_errors=True)


def http_status(url, timeout):
    """Return the status of a GET request to a plain-HTTP URL."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        return connection.getresponse().status
    finally:
        connection.close()


def wait_for_http(url, process, log_path):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{url} failed to start (exit {process.returncode}); see {log_path}:\n"
                + log_path.read_text()[-3000:]
            )
        try:
            if http_status(url, timeout=2) < 500:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not respond within {STARTUP_TIMEOUT} s")


def stop_process(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_fake_claude(arguments, directory):
    port = free_port()
    log_path = directory / "fake_claude.log"
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "chat.fake_claude",
            "--port",
            str(port),
            "--first-token-delay",
            str(arguments.first_token_delay),
            "--tokens-per-second",
            str(arguments.tokens_per_second),
            "--output-tokens",
            str(arguments.output_tokens),
        ],
        cwd=BASE_DIR,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/_fake/requests", process, log_path)
    return process, url


def start_app(kind, arguments, workspace, fake_claude_url, run_name):
    port = free_port()
    log_path = workspace.directory / f"gunicorn-{run_name}.log"
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(arguments.workers),
        "--backlog",
        "4096",
        "--graceful-timeout",
        "5",
        # gunicorn's control socket has one default path per user, and a
        # server that stops removes it, even when another server made it.
        "--no-control-socket",
    ]
    if arguments.preload:
        command.append("--preload")
    if kind == "asgi":
        command += [
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "helpdesk.asgi:application",
        ]
    else:
        command += [
            "--worker-class",
            "gthread",
            "--threads",
            str(arguments.wsgi_threads),
            # A WSGI worker is busy for the whole reply; the default 30 s
            # would kill workers that wait in line behind long replies.
            "--timeout",
            str(int(arguments.stream_timeout) + 30),
            "helpdesk.wsgi:application",
        ]
    environment = workspace.environment(
        ANTHROPIC_API_KEY="fake", ANTHROPIC_BASE_URL=fake_claude_url
    )
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=environment,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/healthz", process, log_path)
    wait_for_workers(process, arguments.workers, log_path)
    return process, url, log_path


def wait_for_workers(process, count, log_path, timeout=30):
    """Wait until the gunicorn master has forked ``count`` workers.

    The first worker may respond to /healthz before the master forks the others,
    and the report reads the CPU and memory of every worker.
    """
    deadline = time.monotonic() + timeout
    while len(worker_pids(process.pid)) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"gunicorn did not start {count} workers within {timeout} s; "
                f"see {log_path}"
            )
        time.sleep(0.1)


def worker_pids(master_pid):
    path = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return [int(pid) for pid in path.read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid):
    """Return the process's peak resident set size (VmHWM) in MB, or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def memory_mb(pid):
    """Return the process's proportional and unique set sizes in MB, or None.

    Workers forked from a master that loaded the app share its pages until
    they write to them. The resident set counts every shared page in full.
    The proportional set divides each shared page among the processes that
    map it, and the unique set counts only the worker's own pages.
    """
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    if "Pss" not in fields:
        return None
    unique = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"pss": fields["Pss"] / 1024, "uss": unique / 1024}


class MemorySampler(threading.Thread):
    """Sample the proportional and unique set sizes of processes every half second."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids = pids
        self.peaks = {pid: {"pss": 0.0, "uss": 0.0} for pid in pids}
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.5):
            for pid in self.pids:
                sizes = memory_mb(pid)
                if sizes is None:
                    continue
                peak = self.peaks[pid]
                peak["pss"] = max(peak["pss"], sizes["pss"])
                peak["uss"] = max(peak["uss"], sizes["uss"])

    def peak_mb(self, key):
        return [round(self.peaks[pid][key], 1) for pid in self.pids]

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)


def cpu_seconds(pid):
    """Return user plus system CPU seconds that the process has used, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def is_postgres_process(pid):
    """Return whether pid is a local process named postgres.

    A server on another host or in another PID namespace reports process ids
    of its own, and here the same number may belong to another process.
    """
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:
        return False


class ConnectionSampler(threading.Thread):
    """Sample the database's open connections every half second.

    The sampler also reads the CPU time of each backend serving the database.
    NOTE: backend_cpu_seconds() is a lower bound, because a backend's CPU
    after its last sample is lost when it exits, and PostgreSQL's background
    processes (WAL writer, checkpointer, autovacuum) are not counted.
    """

    def __init__(self, server_url, database_name):
        super().__init__(daemon=True)
        self.server_url = server_url
        self.database_name = database_name
        self.peak = 0
        self.backend_cpu = {}
        self.stopping = threading.Event()

    def run(self):
        with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as db:
            while not self.stopping.wait(0.5):
                self.sample(db)
            # A last reading catches the CPU time used since the previous one.
            self.sample(db)

    def sample(self, db):
        pids = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s",
            [self.database_name],
        ).fetchall()
        self.peak = max(self.peak, len(pids))
        for (pid,) in pids:
            if pid in self.backend_cpu or is_postgres_process(pid):
                cpu = cpu_seconds(pid)
                if cpu is not None:
                    self.backend_cpu[pid] = cpu

    def backend_cpu_seconds(self):
        """Return the CPU seconds of the sampled backends, or None if none was read."""
        if not self.backend_cpu:
            return None
        return round(sum(self.backend_cpu.values()), 1)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)


def summarize_server_log(log_path, limit=5):
    """Return the number of error lines in a server log and the first distinct ones."""
    errors = []
    count = 0
    for line in log_path.read_text(errors="replace").splitlines():
        if " ERROR " in line or "Error:" in line or "[CRITICAL]" in line:
            count += 1
            text = line.split(" ", 3)[-1][:200]
            if text not in errors and len(errors) < limit:
                errors.append(text)
    return count, errors


# The simulated employees.


@dataclass
class StreamStats:
    open_streams: int = 0
    max_open_streams: int = 0
    post_times: list = field(default_factory=list)
    header_times: list = field(default_factory=list)
    first_delta_times: list = field(default_factory=list)
    # From sending the question to the first text, as the employee sees it:
    # the post, then the stream request that the browser opens after it.
    send_to_first_delta_times: list = field(default_factory=list)
    done_times: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    completed: int = 0

    def error(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1


def request_timeout(seconds, connect=None):
    """Return timeouts that bound each wait of a request, not the whole request.

    seconds bounds the wait for a pooled connection and the connect together,
    and each read. connect, when given, bounds the TCP connect alone.
    """
    return aiohttp.ClientTimeout(
        connect=seconds, sock_connect=connect or seconds, sock_read=seconds
    )


async def fetch(session, method, path, **options):
    """Send a request without following redirects, and return the response and body.

    Reading the whole body here returns the connection to the pool.
    """
    async with session.request(
        method, path, allow_redirects=False, **options
    ) as response:
        body = await response.read()
    return response, body


def cookie_value(session, name):
    for cookie in session.cookie_jar:
        if cookie.key == name:
            return cookie.value
    return None


def contains_line(lines, line):
    """Return whether line is one of the whole lines in lines."""
    # The substring test is cheap and almost always false, so the lines are
    # split only when the marker may be there.
    return line in lines and line in lines.splitlines()


async def run_employee(session, number, stats, deadline):
    question = QUESTIONS[number % len(QUESTIONS)]
    page, _ = await fetch(session, "GET", "/")
    if page.status != 200:
        stats.error(f"GET / {page.status}")
        return
    token = cookie_value(session, "csrftoken") or ""
    sent = time.monotonic()
    posted, body = await fetch(
        session,
        "POST",
        "/messages/",
        data={"text": f"{question} (employee {number})", "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    if posted.status != 200:
        stats.error(f"POST /messages/ {posted.status}")
        return
    stats.post_times.append(time.monotonic() - sent)
    match = STREAM_URL.search(body)
    if match is None:
        stats.error("POST response without stream URL")
        return
    await read_reply_stream(session, match.group(1).decode(), stats, sent, deadline)


async def read_reply_stream(session, path, stats, sent, deadline):
    """Open a reply stream and read it to the done event."""
    opened = time.monotonic()
    headers_seen = False
    try:
        async with session.get(
            path, headers={"Accept": "text/event-stream"}, allow_redirects=False
        ) as response:
            if response.status != 200:
                stats.error(f"stream {response.status}")
                return
            stats.header_times.append(time.monotonic() - opened)
            stats.open_streams += 1
            headers_seen = True
            stats.max_open_streams = max(stats.max_open_streams, stats.open_streams)
            await read_events(response, stats, opened, sent, deadline)
    finally:
        if headers_seen:
            stats.open_streams -= 1


async def read_line_blocks(content):
    """Yield the whole lines of a byte stream, one block per received chunk.

    The text after a chunk's last line end waits for the rest of its line.
    A last line without a line end is yielded when the stream ends.
    """
    partial_line = b""
    async for chunk in content.iter_any():
        data = partial_line + chunk
        end = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        if end:
            yield data[:end]
        partial_line = data[end:]
    if partial_line:
        yield partial_line


async def read_events(response, stats, opened, sent, deadline):
    """Record when the first delta and the done event arrive on a reply stream."""
    # Blocks are searched whole rather than split into lines, so a chunk
    # costs a few byte searches.
    first_delta_seen = False
    async for lines in read_line_blocks(response.content):
        if not first_delta_seen and contains_line(lines, DELTA_LINE):
            now = time.monotonic()
            first_delta_seen = True
            stats.first_delta_times.append(now - opened)
            stats.send_to_first_delta_times.append(now - sent)
        if contains_line(lines, DONE_LINE):
            stats.done_times.append(time.monotonic() - opened)
            stats.completed += 1
            return
        if time.monotonic() > deadline:
            stats.error("stream timed out")
            return
    stats.error("stream closed before done")


def open_sessions(base_url, count, connection_limit, timeout=None):
    """Return one connection pool and ``count`` sessions that share it.

    Each session has a cookie jar of its own, as each employee's browser
    does. unsafe=True lets a jar keep cookies from 127.0.0.1, which aiohttp
    otherwise drops because the host is an IP address.
    """
    connector = aiohttp.TCPConnector(limit=connection_limit)
    options = {} if timeout is None else {"timeout": timeout}
    sessions = [
        aiohttp.ClientSession(
            base_url=base_url,
            connector=connector,
            connector_owner=False,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            **options,
        )
        for _ in range(count)
    ]
    return connector, sessions


async def run_stream_phase(base_url, concurrency, arguments, keep_sessions):
    """Run the employees; return their statistics and the sessions still open."""
    stats = StreamStats()
    timeout = request_timeout(arguments.stream_timeout, connect=30)
    connector, sessions = open_sessions(
        base_url, concurrency, concurrency * 2 + 50, timeout
    )
    started = time.monotonic()
    deadline = started + arguments.ramp_seconds + arguments.stream_timeout

    async def employee(number):
        delay = arguments.ramp_seconds * number / max(1, concurrency)
        await asyncio.sleep(delay)
        try:
            await asyncio.wait_for(
                run_employee(sessions[number], number, stats, deadline),
                timeout=max(1.0, deadline - time.monotonic()),
            )
        # aiohttp's socket timeouts are TimeoutError too, so ClientError comes
        # first to count them by their own name.
        except aiohttp.ClientError as error:
            stats.error(type(error).__name__)
        except TimeoutError:
            stats.error("exchange timed out")

    await asyncio.gather(*(employee(n) for n in range(concurrency)))
    elapsed = time.monotonic() - started
    page_sessions = sessions[:keep_sessions]
    for session in sessions[keep_sessions:]:
        await session.close()
    return stats, elapsed, page_sessions, connector


async def run_page_phase(sessions, rate, seconds):
    """Request the chat page at a fixed offered rate; return its statistics."""
    total = int(rate * seconds)
    latencies = []
    errors = {}
    timeout = request_timeout(10)
    started = time.monotonic()

    async def request(session):
        sent = time.monotonic()
        try:
            response, _ = await fetch(session, "GET", "/", timeout=timeout)
        except aiohttp.ClientError as error:
            errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
            return
        if response.status == 200:
            latencies.append(time.monotonic() - sent)
        else:
            key = f"GET / {response.status}"
            errors[key] = errors.get(key, 0) + 1

    tasks = []
    for index in range(total):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(request(sessions[index % len(sessions)])))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {
        "offered_rps": rate,
        "requests": total,
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "latency_ms": summarize(latencies),
        "errors": errors,
    }


async def run_static_phase(session):
    """Fetch the chat page's static files as a first-time visitor's browser does.

    Return each file's response headers that matter for caching and
    compression, and the latency of all requests.
    """
    files = {}
    latencies = []
    errors = {}
    try:
        _, page = await fetch(session, "GET", "/", timeout=request_timeout(30))
    except aiohttp.ClientError as error:
        # A server still busy with the stream phase may not serve the page.
        errors[f"GET / {type(error).__name__}"] = 1
        return {
            "files": files,
            "requests": 0,
            "achieved_rps": None,
            "latency_ms": summarize(latencies),
            "errors": errors,
        }
    paths = sorted(set(STATIC_URL.findall(page.decode(errors="replace"))))
    semaphore = asyncio.Semaphore(STATIC_CONCURRENCY)
    headers = {"Accept-Encoding": "br, gzip"}
    timeout = request_timeout(10)

    async def fetch_file(path):
        async with semaphore:
            sent = time.monotonic()
            try:
                response, _ = await fetch(
                    session, "GET", path, headers=headers, timeout=timeout
                )
            except aiohttp.ClientError as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                return
        if response.status != 200:
            key = f"GET static {response.status}"
            errors[key] = errors.get(key, 0) + 1
            return
        latencies.append(time.monotonic() - sent)
        files[path] = {
            "content_encoding": response.headers.get("content-encoding", ""),
            "cache_control": response.headers.get("cache-control", ""),
            "bytes_sent": int(response.headers.get("content-length", 0)),
        }

    started = time.monotonic()
    await asyncio.gather(
        *(fetch_file(path) for path in paths for _ in range(STATIC_REQUESTS_PER_FILE))
    )
    elapsed = time.monotonic() - started
    return {
        "files": files,
        "requests": len(paths) * STATIC_REQUESTS_PER_FILE,
        "achieved_rps": round(len(latencies) / elapsed, 1) if elapsed else None,
        "latency_ms": summarize(latencies),
        "errors": errors,
    }


async def measure(base_url, concurrency, arguments):
    stats, elapsed, sessions, connector = await run_stream_phase(
        base_url, concurrency, arguments, PAGE_CLIENTS
    )
    static = await run_static_phase(sessions[0]) if sessions else None
    page = None
    if arguments.page_rate and sessions:
        page = await run_page_phase(
            sessions, arguments.page_rate, arguments.page_seconds
        )
    for session in sessions:
        await session.close()
    await connector.close()

    delay = arguments.first_token_delay
    return {
        "employees": concurrency,
        "completed": stats.completed,
        "errors": stats.errors,
        "max_open_streams": stats.max_open_streams,
        "stream_phase_seconds": round(elapsed, 1),
        "post_ms": summarize(stats.post_times),
        "stream_ttfb_ms": summarize(stats.header_times),
        "first_delta_ms": summarize(stats.first_delta_times),
        # The app's share of the wait for the first word: everything but the
        # fake model's configured delay before its first token.
        "added_first_delta_ms": summarize(
            [value - delay for value in stats.send_to_first_delta_times]
        ),
        "added_first_delta_stream_only_ms": summarize(
            [value - delay for value in stats.first_delta_times]
        ),
        "full_reply_ms": summarize(stats.done_times),
        "static": static,
        "page": page,
    }


def run_one(kind, concurrency, arguments, workspace, fake_claude_url, fake_claude_pid):
    """Measure one server kind and concurrency.

    fake_claude_pid is None when the fake model was not started by this script.
    """
    run_name = f"{kind}-{concurrency}"
    process, url, log_path = start_app(
        kind, arguments, workspace, fake_claude_url, run_name
    )
    sampler = ConnectionSampler(workspace.server_url, workspace.name)
    sampler.start()
    # The machine may run other work; the load average shows how much.
    load_before = os.getloadavg()
    client_cpu = resource.getrusage(resource.RUSAGE_SELF)
    fake_cpu = None if fake_claude_pid is None else cpu_seconds(fake_claude_pid)
    workers = worker_pids(process.pid)
    memory = MemorySampler([process.pid, *workers])
    memory.start()
    try:
        result = asyncio.run(
            measure(url, concurrency, arguments),
            loop_factory=uvloop.new_event_loop if uvloop else None,
        )
        memory.stop()
        result["worker_peak_rss_mb"] = [peak_rss_mb(pid) for pid in workers]
        master_pss, *worker_pss = memory.peak_mb("pss")
        result["master_peak_pss_mb"] = master_pss
        result["worker_peak_pss_mb"] = worker_pss
        result["worker_peak_uss_mb"] = memory.peak_mb("uss")[1:]
        result["worker_cpu_seconds"] = [
            None if (cpu := cpu_seconds(pid)) is None else round(cpu, 1)
            for pid in workers
        ]
    finally:
        memory.stop()
        sampler.stop()
        stop_process(process)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["client_cpu_seconds"] = round(
        usage.ru_utime + usage.ru_stime - client_cpu.ru_utime - client_cpu.ru_stime, 1
    )
    fake_cpu_after = None if fake_cpu is None else cpu_seconds(fake_claude_pid)
    result["fake_model_cpu_seconds"] = (
        None if fake_cpu_after is None else round(fake_cpu_after - fake_cpu, 1)
    )
    result["postgres_backend_cpu_seconds"] = sampler.backend_cpu_seconds()
    result["server"] = kind
    result["peak_db_connections"] = sampler.peak
    count, lines = summarize_server_log(log_path)
    result["server_error_lines"] = count
    result["server_error_samples"] = lines
    log_text = log_path.read_text(errors="replace")
    result["sync_iterator_warning"] = SYNC_ITERATOR_WARNING in log_text
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    return result


def format_ms(summary, key):
    value = summary.get(key) if summary else None
    return "-" if value is None else f"{value:.0f}"


# Rows of the results table: a label and a function of one run's result.
TABLE_ROWS = [
    ("employees", lambda r: r["employees"]),
    ("replies read to the end", lambda r: r["completed"]),
    ("errors", lambda r: sum(r["errors"].values())),
    ("concurrent streams held (max)", lambda r: r["max_open_streams"]),
    ("post question p50 / p95 ms", lambda r: percentiles(r["post_ms"], "p50 p95")),
    (
        "stream first byte p50 / p95 / p99 ms",
        lambda r: percentiles(r["stream_ttfb_ms"], "p50 p95 p99"),
    ),
    (
        "added to first token p50 / p95 / p99 ms",
        lambda r: percentiles(r["added_first_delta_ms"], "p50 p95 p99"),
    ),
    ("whole reply p50 / p95 ms", lambda r: percentiles(r["full_reply_ms"], "p50 p95")),
    ("chat page offered / achieved req/s", lambda r: page_rates(r["page"])),
    (
        "chat page p50 / p95 / p99 ms",
        lambda r: percentiles((r["page"] or {}).get("latency_ms"), "p50 p95 p99"),
    ),
    (
        "static file p50 / p95 ms",
        lambda r: percentiles((r["static"] or {}).get("latency_ms"), "p50 p95"),
    ),
    ("static encodings", lambda r: static_encodings(r["static"])),
    ("sync iterator warning", lambda r: "yes" if r["sync_iterator_warning"] else "no"),
    ("peak RSS per worker MB", lambda r: " / ".join(map(str, r["worker_peak_rss_mb"]))),
    ("peak PSS per worker MB", lambda r: " / ".join(map(str, r["worker_peak_pss_mb"]))),
    ("peak USS per worker MB", lambda r: " / ".join(map(str, r["worker_peak_uss_mb"]))),
    ("peak PSS of the gunicorn master MB", lambda r: r["master_peak_pss_mb"]),
    ("CPU s per worker", lambda r: " / ".join(map(str, r["worker_cpu_seconds"]))),
    ("client CPU s", lambda r: r["client_cpu_seconds"]),
    ("fake model CPU s", lambda r: r["fake_model_cpu_seconds"]),
    (
        "PostgreSQL backend CPU s (lower bound)",
        lambda r: r["postgres_backend_cpu_seconds"],
    ),
    ("peak database connections", lambda r: r["peak_db_connections"]),
    ("load average before / after", lambda r: load_averages(r["load_average"])),
]


def percentiles(summary, keys):
    return " / ".join(format_ms(summary, key) for key in keys.split())


def page_rates(page):
    if not page:
        return "-"
    return f"{page['offered_rps']:g} / {page['achieved_rps']:g}"


def static_encodings(static):
    if not static or not static["files"]:
        return "-"
    return ", ".join(
        sorted({f["content_encoding"] or "none" for f in static["files"].values()})
    )


def load_averages(load):
    return f"{load['before'][0]:.1f} / {load['after'][0]:.1f}"


def print_table(results):
    """Print the runs side by side as a Markdown table, one column per run."""
    titles = [f"{r['server']}, {r['employees']}" for r in results]
    print("| | " + " | ".join(titles) + " |")
    print("|---" * (len(results) + 1) + "|")
    for label, value in TABLE_ROWS:
        print(f"| {label} | " + " | ".join(str(value(r)) for r in results) + " |")
    for result in results:
        if result["errors"] or result["server_error_lines"]:
            print(
                f"{result['server']} with {result['employees']}: errors "
                f"{result['errors']}, {result['server_error_lines']} server error "
                f"lines, for example {result['server_error_samples'][:3]}"
            )


def exit_on_signal(signum, frame):
    # Raising here runs the finally blocks that stop the servers and drop
    # the database.
    raise SystemExit(f"stopped by signal {signum}")


def main():
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, exit_on_signal)
    kinds = ["asgi", "wsgi"] if arguments.server == "both" else [arguments.server]
    workspace = Workspace(
        arguments.database, arguments.database_name, arguments.settings_append
    )
    fake_process = None
    results = []
    try:
        workspace.create()
        if arguments.fake_claude_url:
            fake_claude_url = arguments.fake_claude_url
        else:
            fake_process, fake_claude_url = start_fake_claude(
                arguments, workspace.directory
            )
        fake_claude_pid = None if fake_process is None else fake_process.pid
        for kind in kinds:
            for concurrency in arguments.concurrency:
                print(f"running {kind} with {concurrency} employees", flush=True)
                result = run_one(
                    kind,
                    concurrency,
                    arguments,
                    workspace,
                    fake_claude_url,
                    fake_claude_pid,
                )
                results.append(result)
                print_table(results[-1:])
                print(flush=True)
        machine = {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres_max_connections": workspace.max_connections(),
            "client": f"aiohttp {aiohttp.__version__}",
            "client_event_loop": (
                f"uvloop {uvloop.__version__}" if uvloop else "asyncio"
            ),
        }
    finally:
        if fake_process is not None:
            stop_process(fake_process)
        workspace.drop(keep_directory=arguments.keep_logs)

    if len(results) > 1:
        # Each run's table is printed when it ends; this one sets them side
        # by side.
        print()
        print_table(results)
    if arguments.json:
        document = {"arguments": vars(arguments) | {"json": str(arguments.json)}}
        document.update(machine=machine, results=results)
        arguments.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
        print(f"wrote {arguments.json}")


if __name__ == "__main__":
    main()
