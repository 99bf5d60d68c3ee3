from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from knowledge.models import Article
from knowledge.search import backends


class Command(BaseCommand):
    help = (
        "Rebuild the knowledge-base search index from the articles. Run it after "
        "changing articles with QuerySet.update() or raw SQL, which bypass the "
        "signals that keep the index up to date."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="Database alias to rebuild the index on (default: %(default)s).",
        )

    def handle(self, *args, database, verbosity, **options):
        connection = connections[database]
        with transaction.atomic(using=database):
            backends.for_connection(connection).rebuild_index(connection)
        if verbosity:
            published = Article.objects.using(database).filter(is_published=True)
            self.stdout.write(
                f"Indexed {published.count()} published articles "
                f"on {connection.vendor}."
            )
