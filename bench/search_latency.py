"""Measure knowledge-base search latency on 10,000 generated articles.

The script creates a throwaway database, migrates it, loads
fixtures/knowledge.json, adds generated articles built from the fixture's
words, runs every question of knowledge/eval/queries.tsv and prints latency
percentiles. The database is removed at the end.

    DEBUG=1 .venv/bin/python bench/search_latency.py sqlite
    DEBUG=1 .venv/bin/python bench/search_latency.py postgres://postgres@127.0.0.1:5432

For PostgreSQL, pass the server's address without a database name; the
script creates and drops a database named helpdesk_bench_<process id>, or
the name given with --database-name.
"""

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURE = BASE_DIR / "fixtures" / "knowledge.json"
QUERIES = BASE_DIR / "knowledge" / "eval" / "queries.tsv"
BATCH_SIZE = 500
# Tables that the PostgreSQL run vacuums and analyzes before measuring.
VACUUMED_TABLES = (
    "knowledge_article",
    "knowledge_article_term",
    "knowledge_article_stems",
    "knowledge_lexeme",
)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "database",
        help="'sqlite', or a PostgreSQL server URL such as "
        "postgres://postgres@127.0.0.1:5432",
    )
    parser.add_argument(
        "--articles", type=int, default=10_000, help="Articles to generate."
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="Times each question is searched."
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed.")
    parser.add_argument(
        "--database-name",
        default=f"helpdesk_bench_{os.getpid()}",
        help="Name of the throwaway PostgreSQL database, which must not exist "
        "yet (default: helpdesk_bench_<process id>).",
    )
    return parser.parse_args()


def create_database(target, name):
    """Create the throwaway database and return (DATABASE_URL, cleanup function)."""
    if target == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix="helpdesk-bench-")
        return f"sqlite:///{directory.name}/bench.sqlite3", directory.cleanup

    server = target.rstrip("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return f"{server}/{name}", drop


def generate_articles(count, rng):
    """Add ``count`` articles that mix the words of the fixture's articles."""
    from knowledge.models import Article

    templates = list(Article.objects.all())
    vocabulary = sorted(
        {word for article in templates for word in article.problem.split()}
    )
    batch = []
    for number in range(count):
        template = rng.choice(templates)
        noise = " ".join(rng.sample(vocabulary, 40))
        keywords = template.keywords.split(", ")
        batch.append(
            Article(
                category_id=template.category_id,
                language=template.language,
                title=f"{template.title} ({number})",
                problem=f"{template.problem} {noise}",
                solution=template.solution,
                keywords=", ".join(rng.sample(keywords, len(keywords) // 2)),
            )
        )
        if len(batch) == BATCH_SIZE:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)


def load_questions():
    from knowledge.evaluation import parse_cases

    with open(QUERIES, encoding="utf-8") as handle:
        return [case.query for case in parse_cases(handle)]


def measure(questions, repeat):
    """Return the latency of every search, in milliseconds."""
    from knowledge.search import search

    for question in questions:
        search(question)
    latencies = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            search(question)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def stop(signal_number, frame):
    raise SystemExit(f"Stopped by signal {signal_number}.")


def main():
    arguments = parse_arguments()
    # Turn SIGTERM into an exception so that the database is still removed.
    signal.signal(signal.SIGTERM, stop)
    url, cleanup = create_database(arguments.database, arguments.database_name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    sys.path.insert(0, str(BASE_DIR))
    try:
        import django
        from django.core.management import call_command
        from django.db import connection

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("loaddata", str(FIXTURE), verbosity=0)
        generate_articles(arguments.articles, random.Random(arguments.seed))
        call_command("rebuild_search_index", verbosity=0)
        if connection.vendor == "postgresql":
            # Autovacuum does this some time after the bulk inserts and the
            # rebuild's update of every article. Until then index-only scans
            # read the tables too, and the planner has no statistics of the
            # index tables.
            with connection.cursor() as cursor:
                for table in VACUUMED_TABLES:
                    cursor.execute(f"VACUUM ANALYZE {table}")

        latencies = measure(load_questions(), arguments.repeat)
        percentiles = statistics.quantiles(latencies, n=100)
        print(f"database: {connection.vendor}")
        print(f"articles: {arguments.articles} generated + fixture")
        print(f"searches: {len(latencies)}")
        print(f"p50: {percentiles[49]:.1f} ms")
        print(f"p95: {percentiles[94]:.1f} ms")
        print(f"max: {max(latencies):.1f} ms")
    finally:
        close_connections()
        cleanup()


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
