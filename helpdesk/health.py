"""Liveness and readiness probes for load balancers and orchestrators."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import Error as DatabaseError
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

READINESS_CACHE_KEY = "readyz"


def plain_text(text, status=200):
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """Return 200 while the process serves requests, without touching the database."""
    return plain_text("ok")


@require_GET
@never_cache
@login_not_required
def readyz(request):
    """Check the database, and Redis when REDIS_URL is set; return 503 on failure.

    The body is a short plain-text reason for the operator.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Readiness check failed: the database is unavailable")
        return plain_text("database unavailable", status=503)

    if settings.REDIS_URL:
        try:
            cache.set(READINESS_CACHE_KEY, "ok", timeout=10)
        except Exception:
            # The Redis client raises its own exception types, not Django's.
            logger.exception("Readiness check failed: the cache is unavailable")
            return plain_text("cache unavailable", status=503)

    return plain_text("ok")
