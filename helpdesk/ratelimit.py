"""Fixed-window rate limits, counted in the cache.

Each request is counted once under every key that identifies its client: the
session, the signed-in user and the client IP address. The request is over
the limit when any of these counts is. With Redis as the cache every app
server counts in the same keys, and Redis increments each count atomically.
With the local-memory cache each process counts on its own.
"""

import hashlib
import ipaddress
import math
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.timesince import timeuntil


def client_ip(request):
    """Return the client's IP address, from X-Forwarded-For behind trusted proxies.

    Each of the HELPDESK_TRUSTED_PROXY_COUNT proxies appends the address it got
    the request from, so the client's address is that many entries from the
    right. Entries further left come from the client and are not trusted.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxy_count = settings.HELPDESK_TRUSTED_PROXY_COUNT
    if not proxy_count:
        return remote_addr

    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
    if len(forwarded) < proxy_count:
        # NOTE: the request skipped a proxy or the count is set too high.
        return remote_addr
    candidate = forwarded[-proxy_count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote_addr
    return candidate


def client_identities(request):
    identities = []
    if request.session.session_key:
        identities.append(f"session:{request.session.session_key}")
    if request.user.is_authenticated:
        identities.append(f"user:{request.user.pk}")
    address = client_ip(request)
    if address:
        identities.append(f"ip:{address}")
    return identities


def increment(key, timeout):
    """Increment the counter at key, created with this timeout; return the count."""
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        # The counter expired between add() and incr().
        cache.add(key, 1, timeout)
        return 1


def hit_rate_limit(request, scope, rate):
    """Count the request in the current window of scope and check the rate.

    Return None while every key of the client is within rate.limit, else the
    seconds until the window ends.
    """
    now = time.time()
    window = int(now // rate.period)
    over_limit = False
    for identity in client_identities(request):
        # Hashing keeps session keys, which sign a visitor in, out of the cache.
        digest = hashlib.sha256(identity.encode()).hexdigest()
        key = f"ratelimit:{scope}:{digest}:{window}"
        if increment(key, rate.period) > rate.limit:
            over_limit = True
    if not over_limit:
        return None
    return math.ceil((window + 1) * rate.period - now)


def format_wait(seconds):
    """Return a wait as localized text such as "5 minutes", rounded up to minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    now = timezone.now()
    return timeuntil(now + timedelta(minutes=minutes), now)
