"""Measure the CPU time and queries of one chat page, rendered in this process.

The script creates a throwaway database, migrates it, loads
fixtures/knowledge.json and collects static files into a temporary folder.
Employees then ask real questions through the chat's own form, so their
replies come from the offline responder with cited articles. Each case loads
the chat page with Django's test client, without a server, and the script
prints the CPU time per request (time.process_time) and the queries per
request. The database is removed at the end.

    DEBUG=0 SECRET_KEY=bench .venv/bin/python bench/page_render.py sqlite
    DEBUG=0 SECRET_KEY=bench .venv/bin/python bench/page_render.py \\
        postgres://postgres@127.0.0.1:5432

For PostgreSQL, pass the server's address without a database name; the
script creates and drops a database named helpdesk_bench_page_<process id>,
or the one that --database-name names. With PostgreSQL the database
server's own CPU time is not counted, but the client's is. With SQLite both
run in this process and are counted. The times include the test client's
own work, which a real server replaces with its HTTP handling.

Cases: a new visitor without cookies or conversation, a signed-in employee
whose conversation contains one finished exchange, and one whose
conversation contains 10.
"""

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "VPN does not connect from home",
    "I forgot my password and cannot log in",
    "Outlook does not open my mailbox",
    "The printer on the third floor does not print",
    "Не работает VPN из дома",
    "Не могу войти в корпоративную почту",
    "my account is locked out",
    "новый телефон, как перенести аутентификатор",
    "How do I connect to the office Wi-Fi?",
    "Мышь не работает",
]
# The test client speaks plain HTTP, without the proxy that terminates TLS in
# production, and the replies must come at once from the knowledge base.
ENVIRONMENT = {
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "HELPDESK_OFFLINE_WORD_DELAY": "0",
    "HELPDESK_CHAT_RATE": "100000/minute",
    "ALLOWED_HOSTS": "testserver",
}


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "database",
        help="'sqlite', or a PostgreSQL server URL such as "
        "postgres://postgres@127.0.0.1:5432",
    )
    parser.add_argument(
        "--database-name",
        help="name of the throwaway PostgreSQL database (default: "
        "helpdesk_bench_page_<process id>); it is dropped at the end",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=500,
        help="Measured requests per case, from 2 to 100000.",
    )
    parser.add_argument(
        "--warm-up", type=int, default=50, help="Unmeasured requests per case."
    )
    parser.add_argument(
        "--profile",
        metavar="CASE",
        choices=["new", "one", "ten"],
        help="Profile the measured requests of this case (new, one or ten) with "
        "cProfile and print the functions of most cumulative and most own time. "
        "cProfile counts wall-clock time, so waits for PostgreSQL are included.",
    )
    arguments = parser.parse_args()
    if not 2 <= arguments.requests <= 100_000:
        parser.error(f"--requests {arguments.requests} is invalid: use 2 to 100000.")
    if not 0 <= arguments.warm_up <= 100_000:
        parser.error(f"--warm-up {arguments.warm_up} is invalid: use 0 to 100000.")
    return arguments


def create_database(target, name=None):
    """Create the throwaway database and return (DATABASE_URL, cleanup function)."""
    if target == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix="helpdesk-bench-")
        return f"sqlite:///{directory.name}/bench.sqlite3", directory.cleanup

    server = target.rstrip("/")
    name = name or f"helpdesk_bench_page_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{server}/{name}", drop


def employee_client(username, exchanges):
    """Return a client signed in as a new employee who asked ``exchanges`` times."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from chat.models import Message

    user = get_user_model().objects.create_user(username, password=None)
    client = Client()
    client.force_login(user)
    for number in range(exchanges):
        question = QUESTIONS[number % len(QUESTIONS)]
        # Without the htmx header the view generates the reply in this request.
        response = client.post(reverse("chat:post_message"), {"text": question})
        if response.status_code != 302:
            raise SystemExit(f"Posting {question!r} failed: {response.status_code}")
    replies = Message.objects.filter(
        conversation__user=user, role=Message.Role.ASSISTANT
    )
    if replies.exclude(status=Message.Status.COMPLETE).exists():
        raise SystemExit(f"A reply of {username} did not complete.")
    cited = replies.filter(cited_articles__isnull=False).distinct().count()
    print(f"{username}: {replies.count()} replies, {cited} of them cite articles")
    return client


def load_page(client, fresh):
    if fresh:
        client.cookies.clear()
    response = client.get("/")
    if response.status_code != 200:
        raise SystemExit(f"The chat page returned {response.status_code}.")
    return response


def count_queries(client, fresh):
    """Return the queries of one page load."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        load_page(client, fresh)
    return count


def measure(client, fresh, requests, warm_up, profiler=None):
    """Return the CPU time of every measured page load, in milliseconds."""
    for _ in range(warm_up):
        load_page(client, fresh)
    timings = []
    if profiler:
        profiler.enable()
    for _ in range(requests):
        started = time.process_time()
        load_page(client, fresh)
        timings.append((time.process_time() - started) * 1000)
    if profiler:
        profiler.disable()
    return timings


def report(name, timings, queries, size):
    percentiles = statistics.quantiles(timings, n=100)
    # The minimum is the least disturbed by other processes on the machine.
    print(
        f"{name:<24} min {min(timings):6.2f}  p50 {percentiles[49]:6.2f}"
        f"  p95 {percentiles[94]:6.2f} ms  queries {queries:2d}"
        f"  page {size / 1024:5.1f} KiB"
    )


def print_profile(profiler):
    import pstats

    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


def stop(signal_number, frame):
    raise SystemExit(f"Stopped by signal {signal_number}.")


def main():
    arguments = parse_arguments()
    # Turn SIGTERM into an exception so that the database is still removed.
    signal.signal(signal.SIGTERM, stop)
    url, cleanup = create_database(arguments.database, arguments.database_name)
    static_root = tempfile.TemporaryDirectory(prefix="helpdesk-bench-static-")
    os.environ["DATABASE_URL"] = url
    os.environ.update(ENVIRONMENT)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(BASE_DIR))
    try:
        import django
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client, override_settings

        django.setup()
        if settings.DEBUG:
            raise SystemExit("DEBUG is on, which logs every query: set DEBUG=0.")
        call_command("migrate", verbosity=0)
        call_command("loaddata", "knowledge", verbosity=0)
        # The manifest storage of production needs collected files.
        with override_settings(STATIC_ROOT=static_root.name):
            call_command("collectstatic", interactive=False, verbosity=0)
            cases = [
                ("new", "new visitor", Client(), True),
                ("one", "employee, 1 exchange", employee_client("one", 1), False),
                ("ten", "employee, 10 exchanges", employee_client("ten", 10), False),
            ]
            print(f"database: {connection.vendor}")
            print(f"requests per case: {arguments.requests}")
            for key, name, client, fresh in cases:
                profiler = None
                if arguments.profile == key:
                    import cProfile

                    profiler = cProfile.Profile()
                timings = measure(
                    client, fresh, arguments.requests, arguments.warm_up, profiler
                )
                size = len(load_page(client, fresh).content)
                report(name, timings, count_queries(client, fresh), size)
                if profiler:
                    print_profile(profiler)
    finally:
        close_connections()
        cleanup()
        static_root.cleanup()


def close_connections():
    """Close Django's connections, so that the database can be dropped."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
        if connection.vendor == "postgresql":
            # A pool keeps its connections open after close().
            connection.close_pool()


if __name__ == "__main__":
    main()
