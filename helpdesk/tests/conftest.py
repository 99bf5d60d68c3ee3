import os
import uuid

import pytest
import redis


@pytest.fixture
def redis_cache_settings():
    """Return CACHES for the Redis server at TEST_REDIS_URL, under a fresh prefix.

    Skips the test when TEST_REDIS_URL is not set. Deletes the keys under the
    prefix afterwards instead of flushing the database, which others may share.
    """
    location = os.environ.get("TEST_REDIS_URL", "").strip()
    if not location:
        pytest.skip("TEST_REDIS_URL is not set, e.g. redis://127.0.0.1:6379/0")
    prefix = f"helpdesk-test-{uuid.uuid4().hex}"
    cache_settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
        }
    }

    yield cache_settings

    client = redis.Redis.from_url(location)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()
