"""Database access from reply streams that stay open for many seconds.

Django hands a request's database connection back at the end of the request.
A reply stream is one request that lasts as long as the answer, but touches
the database only for short steps: claiming the reply, searching, saving the
partial text every second and saving the result. Each step runs through
``run_step``, which returns a pooled connection to its pool as soon as the
step ends, so open streams do not hold one connection each.
"""

from asgiref.sync import sync_to_async
from django.db import connections


def release_connections():
    """Return this thread's pooled database connections to their pool.

    Only connections from psycopg's pool (DATABASE_POOL_MAX_SIZE) are handed
    back, because getting one again costs little. Without the pool every
    step would open a new connection, so the stream keeps its connection
    until the request ends. Connections inside a transaction are left alone.
    """
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) and not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def run_released(function, *args):
    try:
        return function(*args)
    finally:
        release_connections()


async def run_step(function, *args):
    """Run the synchronous ``function`` in the request's thread, then release."""
    return await sync_to_async(run_released)(function, *args)
