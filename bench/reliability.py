"""Check that no employee data is lost while the model fails and clients leave.

The script creates a throwaway PostgreSQL database, migrates it, loads the
knowledge fixture and collects static files into a temporary folder. It
starts the fake Messages API and serves the app under gunicorn with the
uvicorn ASGI worker on free loopback ports, with a dummy API key, a short
Claude timeout and rate limits raised for the run.

Simulated employees, each with its own cookie jar, open the chat page, post
questions and read the reply streams. Part of the questions carry a fake
scenario marker, so the model answers with 429, 529 or 500 and a
retry-after header, an error event mid-stream, a stall past the timeout, a
dropped connection, a refusal or max_tokens. Part of the employees leave a
stream on purpose: some reconnect at once, the others reload the chat page
before their next question or at the end of their visit, and read the
replies still open there. Employees
also create tickets through the ticket form, and send over-long messages
and tickets that the app must reject with 422.

Afterwards the database must hold every question and ticket the app
accepted, no rejected input, and every assistant reply in a final state
(complete, interrupted or failed) once a short grace period has passed.
The exit status is 1 when data was lost, a reply was left unfinished, an
unexpected error happened or the app logged an error, and 0 otherwise. The
database is dropped and every process stopped at the end.

    .venv/bin/python bench/reliability.py --employees 50 --requests 400

The run is bounded: --employees, --requests, --seconds, --grace-seconds and
--stream-timeout have hard maximums. Employees start no new action once the
request budget or --seconds is used up. Each then makes at most one last
visit to the chat page and reads the replies still open on it, so the run
can end a few requests over --requests.
"""

import argparse
import asyncio
import os
import platform
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

MAX_EMPLOYEES = 200
MAX_REQUESTS = 5000
MAX_SECONDS = 300
MAX_WORKERS = 8
MAX_GRACE_SECONDS = 120
MAX_STREAM_TIMEOUT = 120
STARTUP_TIMEOUT = 60

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STREAM_URL = re.compile(rf'sse-connect="(/messages/({UUID})/stream/)"')
EMPLOYEE_MESSAGE = re.compile(rf'bubble-employee" id="message-({UUID})"')
CONVERSATION_ID = re.compile(rf"\?conversation=({UUID})")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TRACKING_URL = re.compile(r"^/tickets/t/([A-Za-z0-9_-]+)/$")

QUESTIONS = [
    "VPN does not connect from home",
    "I forgot my password and cannot log in",
    "Outlook does not open my mailbox",
    "The printer on the third floor does not print",
    "Не работает VPN из дома",
    "Не могу войти в корпоративную почту",
]

# Scenarios of the fake Messages API (chat/fake_claude/scenarios.py) that make
# the reply fail, and the failure code that the app must store for each.
FAILING_SCENARIOS = {
    "rate_limited": {"rate_limited"},
    "overloaded": {"overloaded"},
    "server_error": {"server_error"},
    "timeout": {"timeout"},
    "stream_error": {"stream_error"},
    # The fake drops the connection halfway through the streamed text.
    "disconnect": {"connection", "stream_error"},
    "refusal": {"refusal"},
    "max_tokens": {"max_tokens"},
}
PASSING_SCENARIOS = ["ok", "ok", "ok", "asks_for_person", "no_assessment"]

# Weights of the actions an employee picks from, one after another.
ACTIONS = {
    "ask": 70,
    "ticket": 15,
    "over_long_ticket": 8,
    "over_long_message": 7,
}
# Weights of the ways an employee treats the reply stream of a question.
STREAM_MODES = {"read": 60, "leave_and_reconnect": 20, "leave": 20}
# Delta events read before leaving a stream on purpose. Zero leaves right
# after the response headers.
LEAVE_AFTER = [0, 0, 1, 3, 8]

# Overrides the production settings only where this script needs to: the
# collected static files go to a temporary folder instead of the checkout.
SETTINGS_TEMPLATE = """\
from helpdesk.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
"""


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without a database name. The script creates "
        "and drops helpdesk_reliab_run_<process id> on it.",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help="Redis URL of the app's cache and rate limits, e.g. "
        "redis://127.0.0.1:6379/7 (default: each worker counts in its own memory)",
    )
    parser.add_argument(
        "--employees",
        type=int,
        default=50,
        help=f"simulated employees (default: 50, max {MAX_EMPLOYEES})",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=400,
        help="HTTP requests after which employees start no new action "
        f"(default: 400, max {MAX_REQUESTS})",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=120.0,
        help="seconds after which employees start no new action "
        f"(default: 120, max {MAX_SECONDS})",
    )
    parser.add_argument(
        "--stream-timeout",
        type=float,
        default=60.0,
        help="seconds an employee waits for the done event of a reply before it "
        f"counts as an unexpected error (default: 60, max {MAX_STREAM_TIMEOUT})",
    )
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=10.0,
        help="seconds the replies of left streams get to reach a final state "
        f"before the check (default: 10, max {MAX_GRACE_SECONDS})",
    )
    parser.add_argument(
        "--failure-share",
        type=float,
        default=0.5,
        help="share of questions whose model call fails (default: 0.5)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help=f"gunicorn worker processes (default: 2, max {MAX_WORKERS})",
    )
    parser.add_argument(
        "--claude-timeout",
        type=float,
        default=2.0,
        help="CLAUDE_TIMEOUT of the app in seconds, at least 1 (default: 2)",
    )
    parser.add_argument(
        "--claude-retries",
        type=int,
        default=2,
        help="CLAUDE_MAX_RETRIES of the app (default: 2)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the employees' random choices"
    )
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the temporary folder with the server logs and print its path",
    )
    arguments = parser.parse_args(argv)

    checks = [
        ("--employees", arguments.employees, 1, MAX_EMPLOYEES),
        ("--requests", arguments.requests, 1, MAX_REQUESTS),
        ("--seconds", arguments.seconds, 1, MAX_SECONDS),
        ("--stream-timeout", arguments.stream_timeout, 1, MAX_STREAM_TIMEOUT),
        ("--grace-seconds", arguments.grace_seconds, 0, MAX_GRACE_SECONDS),
        ("--failure-share", arguments.failure_share, 0, 1),
        ("--workers", arguments.workers, 1, MAX_WORKERS),
        ("--claude-timeout", arguments.claude_timeout, 1, 60),
        ("--claude-retries", arguments.claude_retries, 0, 5),
    ]
    for name, value, low, high in checks:
        if not low <= value <= high:
            parser.error(f"{name} {value} is invalid: use {low}..{high}")
    return arguments


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for_http(url, process, log_path):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{url} failed to start (exit {process.returncode}); see {log_path}:\n"
                + log_path.read_text()[-3000:]
            )
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not respond within {STARTUP_TIMEOUT} s")


class Workspace:
    """The throwaway database, settings module, logs and servers of one run."""

    def __init__(self, arguments):
        self.arguments = arguments
        self.server_url = arguments.database.rstrip("/")
        self.name = f"helpdesk_reliab_run_{os.getpid()}"
        self.database_url = f"{self.server_url}/{self.name}"
        self.directory = Path(tempfile.mkdtemp(prefix="helpdesk-reliability-"))
        self.created = False
        self.processes = []

    def connect(self):
        return psycopg.connect(self.database_url, autocommit=True)

    def environment(self, **extra):
        environment = dict(os.environ)
        environment.update(
            DEBUG="0",
            SECRET_KEY="reliability-check-only",
            # Plain HTTP on loopback, without the TLS proxy of production.
            SECURE_COOKIES="0",
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="reliability_settings",
            PYTHONPATH=os.pathsep.join([str(self.directory), str(BASE_DIR)]),
            # Every employee posts from 127.0.0.1, so the per-address limits
            # would reject most of the run.
            HELPDESK_CHAT_RATE="100000/minute",
            HELPDESK_TICKET_RATE="100000/hour",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        environment.pop("REDIS_URL", None)
        if self.arguments.redis_url:
            environment["REDIS_URL"] = self.arguments.redis_url
        environment.update(extra)
        return environment

    def create(self):
        with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True
        (self.directory / "reliability_settings.py").write_text(
            SETTINGS_TEMPLATE.format(static_root=str(self.directory / "static"))
        )
        for command in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["loaddata", "knowledge", "--verbosity", "0"],
            ["collectstatic", "--noinput", "--verbosity", "0"],
        ):
            subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=BASE_DIR,
                env=self.environment(),
                check=True,
                timeout=300,
            )

    def start(self, name, command, environment, ready_path):
        """Start a server on a free loopback port; return its base URL."""
        port = free_port()
        log_path = self.directory / f"{name}.log"
        process = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=BASE_DIR,
            env=environment,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + ready_path, process, log_path)
        return url

    def start_fake_claude(self):
        command = [PYTHON, "-m", "chat.fake_claude", "--port", "{port}"]
        command += ["--first-token-delay", "0.2", "--tokens-per-second", "40"]
        # 120 tokens at 40 a second stream for about 3 s, so employees can
        # leave halfway. The short retry-after keeps retries short, and the
        # stall outlasts every Claude timeout.
        command += ["--output-tokens", "120", "--retry-after", "0.5"]
        command += ["--stall-seconds", "120"]
        return self.start("fake_claude", command, dict(os.environ), "/_fake/requests")

    def start_app(self, fake_claude_url):
        command = [PYTHON, "-m", "gunicorn", "--bind", "127.0.0.1:{port}"]
        command += ["--workers", str(self.arguments.workers)]
        command += ["--worker-class", "uvicorn_worker.UvicornWorker"]
        # gunicorn's control socket has one default path per user, and a
        # server that stops removes it, even when another server made it.
        command += ["--no-control-socket"]
        command += ["--graceful-timeout", "5", "helpdesk.asgi:application"]
        environment = self.environment(
            ANTHROPIC_API_KEY="dummy-key-for-the-fake-server",
            ANTHROPIC_BASE_URL=fake_claude_url,
            CLAUDE_TIMEOUT=str(self.arguments.claude_timeout),
            CLAUDE_MAX_RETRIES=str(self.arguments.claude_retries),
        )
        return self.start("app", command, environment, "/healthz")

    def close(self):
        for process in reversed(self.processes):
            stop_process(process)
        if self.created:
            with psycopg.connect(f"{self.server_url}/postgres", autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        if self.arguments.keep_logs:
            print(f"server logs: {self.directory}")
        else:
            shutil.rmtree(self.directory, ignore_errors=True)


# What the employees saw.


@dataclass
class Question:
    tag: str
    text: str
    scenario: str
    question_id: str
    reply_id: str
    stream_url: str
    mode: str
    # How this employee's last reading of the stream ended: done, left or
    # an error.
    outcome: str = ""


@dataclass
class Run:
    """The request budget and everything the employees saw."""

    max_requests: int
    deadline: float
    stream_timeout: float
    failure_share: float
    requests: int = 0
    questions: list = field(default_factory=list)
    tickets: dict = field(default_factory=dict)
    rejected_tags: dict = field(default_factory=dict)
    expected: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)

    def may_start(self):
        return self.requests < self.max_requests and time.monotonic() < self.deadline

    async def request(self, client, method, url, label, **options):
        """Send a request; return the response, or None after a transport error."""
        self.requests += 1
        try:
            response = await client.request(method, url, **options)
        except httpx.HTTPError as error:
            self.unexpected[f"{label}: {type(error).__name__}"] += 1
            return None
        if response.status_code >= 500:
            self.unexpected[f"{label}: HTTP {response.status_code}"] += 1
        return response

    async def read_stream(self, client, url, leave_after=None):
        """Read a reply stream to its done event, or leave it after some deltas.

        Returns "done", "left" or a description of what went wrong.
        """
        self.requests += 1
        try:
            async with asyncio.timeout(self.stream_timeout):
                async with client.stream("GET", url) as response:
                    if response.status_code != 200:
                        return f"stream: HTTP {response.status_code}"
                    return await read_events(response, leave_after)
        except TimeoutError:
            return f"stream: no done event in {self.stream_timeout:g} s"
        except httpx.HTTPError as error:
            return f"stream: {type(error).__name__}"


async def read_events(response, leave_after):
    deltas = 0
    if leave_after == 0:
        return "left"
    async for line in response.aiter_lines():
        if line == "event: done":
            return "done"
        if line == "event: delta":
            deltas += 1
            if leave_after is not None and deltas >= leave_after:
                return "left"
    return "stream: closed before the done event"


def weighted_choice(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Employee:
    """One simulated employee with its own cookie jar."""

    def __init__(self, number, client, run, seed):
        self.number = number
        self.client = client
        self.run = run
        self.rng = random.Random(seed * 100_003 + number)
        self.sequence = 0
        self.conversation_id = ""
        self.left_questions = []

    def next_tag(self):
        self.sequence += 1
        return f"e{self.number}q{self.sequence}"

    def csrf_token(self):
        return self.client.cookies.get("csrftoken") or ""

    async def visit(self):
        page = await self.run.request(self.client, "GET", "/", "chat page")
        if page is None or page.status_code != 200:
            return
        while self.run.may_start():
            action = weighted_choice(self.rng, ACTIONS)
            await getattr(self, action)()
        await self.come_back()

    async def ask(self):
        # A reply left before its first word is pending again. Asking on top
        # of it would merge both questions into one user turn of the model
        # request, so the employee first reloads the page, as a browser does.
        await self.come_back()
        if self.rng.random() < self.run.failure_share:
            scenario = self.rng.choice(sorted(FAILING_SCENARIOS))
        else:
            scenario = self.rng.choice(PASSING_SCENARIOS)
        tag = self.next_tag()
        text = f"{self.rng.choice(QUESTIONS)} ({tag})"
        if scenario != "ok":
            text += f" [scenario:{scenario}]"
        response = await self.post_message(text)
        if response is None:
            return
        if response.status_code != 200:
            self.run.unexpected[f"post message: HTTP {response.status_code}"] += 1
            return

        stream = STREAM_URL.search(response.text)
        posted = EMPLOYEE_MESSAGE.search(response.text)
        if stream is None or posted is None:
            self.run.unexpected["post message: no stream URL in the response"] += 1
            return
        conversation = CONVERSATION_ID.search(response.text)
        if conversation:
            self.conversation_id = conversation.group(1)
        mode = weighted_choice(self.rng, STREAM_MODES)
        question = Question(
            tag, text, scenario, posted.group(1), stream.group(2), stream.group(1), mode
        )
        self.run.questions.append(question)
        await self.follow_reply(question)

    async def follow_reply(self, question):
        url = question.stream_url
        if question.mode == "read":
            question.outcome = await self.run.read_stream(self.client, url)
        else:
            leave_after = self.rng.choice(LEAVE_AFTER)
            question.outcome = await self.run.read_stream(self.client, url, leave_after)
            if question.outcome == "left":
                self.run.expected["stream left on purpose"] += 1
                if question.mode == "leave":
                    self.left_questions.append(question)
                    return
                question.outcome = await self.run.read_stream(self.client, url)
        if question.outcome not in ("done", "left"):
            self.run.unexpected[question.outcome] += 1

    async def post_message(self, text):
        return await self.run.request(
            self.client,
            "POST",
            "/messages/",
            "post message",
            data={"text": text, "csrfmiddlewaretoken": self.csrf_token()},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf_token()},
        )

    async def over_long_message(self):
        tag = self.next_tag()
        text = f"({tag}) " + "My screen flickers. " * 220
        response = await self.post_message(text)
        if response is None:
            return
        if response.status_code == 422:
            self.run.expected["over-long message rejected (422)"] += 1
            self.run.rejected_tags[tag] = "message"
        else:
            self.run.unexpected[
                f"over-long message: HTTP {response.status_code}, expected 422"
            ] += 1

    async def ticket(self):
        tag = self.next_tag()
        fields = {
            "requester_name": f"Employee {self.number} ({tag})",
            "requester_email": f"employee{self.number}@example.com",
            "category": "",
            "subject": f"Cannot work ({tag})",
            "description": "The VPN drops every few minutes since this morning.",
        }
        response = await self.post_ticket(fields)
        if response is None:
            return
        location = response.headers.get("location", "")
        match = TRACKING_URL.match(location)
        if response.status_code != 302 or match is None:
            self.run.unexpected[f"create ticket: HTTP {response.status_code}"] += 1
            return

        token = match.group(1)
        self.run.tickets[token] = {"subject": fields["subject"], "shown": False}
        page = await self.run.request(self.client, "GET", location, "tracking page")
        if page is not None and page.status_code == 200:
            self.run.tickets[token]["shown"] = True
        elif page is not None:
            self.run.unexpected[f"tracking page: HTTP {page.status_code}"] += 1

    async def over_long_ticket(self):
        tag = self.next_tag()
        fields = {
            "requester_name": f"Employee {self.number} ({tag})",
            "requester_email": f"employee{self.number}@example.com",
            "category": "",
            "subject": f"Cannot work ({tag})",
            "description": "The VPN drops every few minutes.",
        }
        too_long = self.rng.choice(["subject", "description", "requester_name"])
        limits = {"subject": 200, "description": 10_000, "requester_name": 150}
        fields[too_long] += "x" * limits[too_long]
        response = await self.post_ticket(fields)
        if response is None:
            return
        if response.status_code == 422:
            self.run.expected["over-long ticket rejected (422)"] += 1
            self.run.rejected_tags[tag] = "ticket"
        else:
            self.run.unexpected[
                f"over-long ticket: HTTP {response.status_code}, expected 422"
            ] += 1

    async def post_ticket(self, fields):
        """Get the ticket form and post it with its CSRF token."""
        url = "/tickets/new/"
        if self.conversation_id:
            url += f"?conversation={self.conversation_id}"
        form = await self.run.request(self.client, "GET", url, "ticket form")
        if form is None:
            return None
        token = CSRF_INPUT.search(form.text)
        if form.status_code != 200 or token is None:
            self.run.unexpected[f"ticket form: HTTP {form.status_code}"] += 1
            return None
        data = {**fields, "csrfmiddlewaretoken": token.group(1)}
        return await self.run.request(
            self.client, "POST", url, "post ticket", data=data
        )

    async def come_back(self):
        """Reload the chat page and read every reply still open on it.

        Replies left before their first word are pending again, and the page
        opens their streams, so the next connection generates them.
        """
        if not self.left_questions:
            return
        page = await self.run.request(self.client, "GET", "/", "chat page")
        if page is None or page.status_code != 200:
            return
        open_urls = {match.group(1) for match in STREAM_URL.finditer(page.text)}
        for url in sorted(open_urls):
            outcome = await self.run.read_stream(self.client, url)
            if outcome != "done":
                self.run.unexpected[outcome] += 1
            for question in self.left_questions:
                if question.stream_url == url:
                    question.outcome = outcome
        self.left_questions = []


async def run_employees(base_url, arguments):
    started = time.monotonic()
    run = Run(
        max_requests=arguments.requests,
        deadline=started + arguments.seconds,
        stream_timeout=arguments.stream_timeout,
        failure_share=arguments.failure_share,
    )
    timeout = httpx.Timeout(arguments.stream_timeout, connect=10)
    clients = [
        httpx.AsyncClient(base_url=base_url, timeout=timeout)
        for _ in range(arguments.employees)
    ]

    async def visit(number):
        # Spread the first page loads over the first second.
        await asyncio.sleep(number / arguments.employees)
        employee = Employee(number, clients[number], run, arguments.seed)
        await employee.visit()

    # A hard cap on the whole phase, in case a request hangs past its timeout.
    limit = arguments.seconds + 3 * arguments.stream_timeout + 30
    try:
        async with asyncio.timeout(limit):
            await asyncio.gather(*(visit(n) for n in range(arguments.employees)))
    except TimeoutError:
        run.unexpected[f"employees still busy after {limit:g} s"] += 1
    finally:
        for client in clients:
            await client.aclose()
    return run, time.monotonic() - started


# The checks in the database.


UNFINISHED_SQL = (
    "SELECT count(*) FROM chat_message "
    "WHERE role = 'assistant' AND status IN ('pending', 'streaming')"
)


def wait_for_final_replies(db, grace_seconds):
    """Wait until no reply is pending or streaming; return the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < grace_seconds:
        if db.execute(UNFINISHED_SQL).fetchone()[0] == 0:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def expected_outcomes(question):
    """Return the reply states (status or status:failure) allowed for a question."""
    if question.scenario in FAILING_SCENARIOS:
        allowed = {f"failed:{code}" for code in FAILING_SCENARIOS[question.scenario]}
    else:
        allowed = {"complete"}
    if question.mode != "read":
        # Left after some words: the partial text is kept as interrupted.
        allowed.add("interrupted")
    return allowed


def check_database(db, run):
    """Return the findings of the database checks."""
    findings = {
        "lost": Counter(),
        "unfinished": 0,
        "outcomes": {},
        "wrong": Counter(),
        "load_timeouts": 0,
    }
    ids = [q.question_id for q in run.questions] + [q.reply_id for q in run.questions]
    rows = db.execute(
        "SELECT public_id::text, role, text, status, failure_reason "
        "FROM chat_message WHERE public_id = ANY(%s::uuid[])",
        [ids],
    ).fetchall()
    stored = {row[0]: row for row in rows}

    for question in run.questions:
        asked = stored.get(question.question_id)
        if asked is None or asked[2] != question.text:
            findings["lost"]["employee messages"] += 1
        reply = stored.get(question.reply_id)
        if reply is None:
            findings["lost"]["assistant replies"] += 1
            continue
        state = reply[3] if reply[3] != "failed" else f"failed:{reply[4]}"
        outcomes = findings["outcomes"].setdefault(question.scenario, Counter())
        outcomes[state] += 1
        if state == "failed:timeout" and question.scenario != "timeout":
            # A gap longer than the short --claude-timeout between two events,
            # as a loaded machine can cause. The app handles it like any
            # timeout, so it is counted apart from the scripted failures.
            findings["load_timeouts"] += 1
        elif state not in expected_outcomes(question):
            findings["wrong"][f"{question.scenario} ended as {state}"] += 1
    findings["unfinished"] = db.execute(UNFINISHED_SQL).fetchone()[0]

    tokens = list(run.tickets)
    stored_tickets = dict(
        db.execute(
            "SELECT tracking_token, subject FROM tickets_ticket "
            "WHERE tracking_token = ANY(%s)",
            [tokens],
        ).fetchall()
    )
    for token, ticket in run.tickets.items():
        if stored_tickets.get(token) != ticket["subject"]:
            findings["lost"]["tickets"] += 1

    for tag, kind in run.rejected_tags.items():
        pattern = f"%({tag})%"
        if kind == "ticket":
            sql = "SELECT count(*) FROM tickets_ticket WHERE requester_name LIKE %s"
        else:
            sql = "SELECT count(*) FROM chat_message WHERE text LIKE %s"
        if db.execute(sql, [pattern]).fetchone()[0]:
            findings["wrong"][f"rejected {kind} stored"] += 1
    return findings


def fake_request_statuses(fake_claude_url):
    """Count the fake's Messages API responses by status and how they ended."""
    requests = httpx.get(f"{fake_claude_url}/_fake/requests", timeout=30).json()
    statuses = Counter()
    for item in requests:
        if item["path"] != "/v1/messages":
            continue
        if item["dropped"]:
            label = "200, connection dropped by the fake"
        elif item["disconnected"] and not item["status"]:
            label = "no response before the app's timeout"
        elif item["disconnected"]:
            label = f"{item['status']}, closed early by the app"
        else:
            label = str(item["status"])
        statuses[label] += 1
    return statuses


def server_log_errors(log_path, limit=5):
    """Return the count of error lines and tracebacks in a log and a few samples."""
    count = 0
    samples = []
    for line in log_path.read_text(errors="replace").splitlines():
        if " ERROR " in line or line.startswith("Traceback") or "[CRITICAL]" in line:
            count += 1
            text = line.split(" ", 3)[-1][:160]
            if text not in samples and len(samples) < limit:
                samples.append(text)
    return count, samples


def print_counter(title, counter):
    print(f"{title}: {sum(counter.values())}")
    for key, value in sorted(counter.items()):
        print(f"  {value:5d}  {key}")


def machine_description(db):
    version = db.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}, PostgreSQL {version}"
    )


def report(arguments, run, seconds, waited, findings, extra):
    command = [sys.executable, *sys.argv]
    print(f"command: {shlex.join(command)}")
    print(f"machine: {extra['machine']}")
    print(
        f"employees: {arguments.employees}, HTTP requests: {run.requests}, "
        f"seconds: {seconds:.1f}"
    )

    shown = sum(1 for ticket in run.tickets.values() if ticket["shown"])
    print(
        f"questions accepted: {len(run.questions)}, tickets accepted: "
        f"{len(run.tickets)} ({shown} tracking pages shown)"
    )
    print_counter("Messages API responses of the fake, by status", extra["fake"])

    print("assistant replies by scenario:")
    for scenario, outcomes in sorted(findings["outcomes"].items()):
        parts = ", ".join(f"{state} {n}" for state, n in sorted(outcomes.items()))
        print(f"  {scenario:<16} {parts}")
    expected = run.expected.copy()
    if findings["load_timeouts"]:
        expected["reply timed out without a timeout scenario"] = findings[
            "load_timeouts"
        ]
    print_counter("expected errors", expected)

    print_counter("unexpected errors", run.unexpected + findings["wrong"])
    print(f"server log error lines: {extra['log_errors']}")
    for sample in extra["log_samples"]:
        print(f"  {sample}")
    print(f"grace period used: {waited:.1f} s of {arguments.grace_seconds:g} s")
    print(f"replies left pending or streaming: {findings['unfinished']}")
    print_counter("data lost", findings["lost"])


def main(argv=None):
    arguments = parse_arguments(argv)
    # Raising here runs the finally block that stops the servers and drops
    # the database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(f"signal {signum}"))
    workspace = Workspace(arguments)
    started = time.monotonic()
    try:
        workspace.create()
        print(f"database ready in {time.monotonic() - started:.1f} s", flush=True)
        fake_claude_url = workspace.start_fake_claude()
        app_url = workspace.start_app(fake_claude_url)
        print(f"app {app_url}, fake Messages API {fake_claude_url}", flush=True)
        run, seconds = asyncio.run(run_employees(app_url, arguments))
        with workspace.connect() as db:
            waited = wait_for_final_replies(db, arguments.grace_seconds)
            findings = check_database(db, run)
            machine = machine_description(db)
        log_errors, log_samples = server_log_errors(workspace.directory / "app.log")
        extra = {
            "machine": machine,
            "fake": fake_request_statuses(fake_claude_url),
            "log_errors": log_errors,
            "log_samples": log_samples,
        }
    finally:
        workspace.close()

    report(arguments, run, seconds, waited, findings, extra)
    failed = (
        sum(findings["lost"].values())
        or findings["unfinished"]
        or sum(run.unexpected.values())
        or sum(findings["wrong"].values())
        or extra["log_errors"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
