import types

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from helpdesk.env import Rate, env_rate, parse_rate
from helpdesk.ratelimit import client_ip, format_wait, hit_rate_limit

DAY = 86400


@pytest.fixture
def make_request(rf):
    """Return a function that builds an anonymous request from an address."""

    def build(remote_addr="192.0.2.10", forwarded_for=None, session_key=None):
        headers = {"REMOTE_ADDR": remote_addr}
        if forwarded_for is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
        request = rf.post("/", **headers)
        request.session = SessionStore(session_key)
        request.user = AnonymousUser()
        return request

    return build


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/minute", Rate(20, 60)),
        ("5/hour", Rate(5, 3600)),
        ("1/second", Rate(1, 1)),
        (" 100 / day ", Rate(100, DAY)),
    ],
)
def test_parse_rate_accepts_units(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["20", "20/week", "0/minute", "x/minute", "/hour"])
def test_parse_rate_rejects_invalid(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_env_rate_names_variable_on_error(monkeypatch):
    monkeypatch.setenv("HELPDESK_CHAT_RATE", "20 per minute")

    with pytest.raises(
        ImproperlyConfigured, match="HELPDESK_CHAT_RATE='20 per minute'"
    ):
        env_rate("HELPDESK_CHAT_RATE", "20/minute")


def test_env_rate_default_when_unset(monkeypatch):
    monkeypatch.delenv("HELPDESK_CHAT_RATE", raising=False)

    assert env_rate("HELPDESK_CHAT_RATE", "20/minute") == Rate(20, 60)


def test_client_ip_from_remote_addr(make_request):
    request = make_request("192.0.2.10", forwarded_for="198.51.100.7")

    assert client_ip(request) == "192.0.2.10"


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.66, 198.51.100.7", "198.51.100.7"),
        (2, "203.0.113.66, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "192.0.2.10"),
        (1, "not-an-address", "192.0.2.10"),
        (1, "", "192.0.2.10"),
    ],
)
def test_client_ip_behind_proxies(
    make_request, settings, proxy_count, forwarded_for, expected
):
    settings.HELPDESK_TRUSTED_PROXY_COUNT = proxy_count
    request = make_request("192.0.2.10", forwarded_for=forwarded_for)

    assert client_ip(request) == expected


def test_limit_allows_up_to_rate(make_request):
    rate = Rate(2, DAY)

    results = [hit_rate_limit(make_request(), "test", rate) for _ in range(3)]

    assert results[0] is None
    assert results[1] is None
    assert 0 < results[2] <= DAY


def test_ip_key_counts_across_sessions(make_request):
    rate = Rate(2, DAY)
    session_keys = ["firstsessionkey1", "secondsessionkey", "thirdsessionkey1"]

    results = [
        hit_rate_limit(make_request(session_key=key), "test", rate)
        for key in session_keys
    ]

    assert results[:2] == [None, None]
    assert results[2] is not None


def test_other_address_has_own_count(make_request):
    rate = Rate(1, DAY)
    hit_rate_limit(make_request("192.0.2.10"), "test", rate)

    assert hit_rate_limit(make_request("192.0.2.11"), "test", rate) is None
    assert hit_rate_limit(make_request("192.0.2.10"), "test", rate) is not None


def test_forwarded_address_is_the_key(make_request, settings):
    settings.HELPDESK_TRUSTED_PROXY_COUNT = 1
    rate = Rate(1, DAY)
    hit_rate_limit(make_request("10.0.0.1", forwarded_for="198.51.100.7"), "t", rate)

    other_client = make_request("10.0.0.1", forwarded_for="198.51.100.8")
    same_client = make_request("10.0.0.1", forwarded_for="198.51.100.7")

    assert hit_rate_limit(other_client, "t", rate) is None
    assert hit_rate_limit(same_client, "t", rate) is not None


def test_scopes_count_apart(make_request):
    rate = Rate(1, DAY)
    hit_rate_limit(make_request(), "chat", rate)

    assert hit_rate_limit(make_request(), "ticket", rate) is None


def test_count_resets_in_next_window(make_request, monkeypatch):
    rate = Rate(1, 60)
    clock = types.SimpleNamespace(time=lambda: 6000.0)
    monkeypatch.setattr("helpdesk.ratelimit.time", clock)
    hit_rate_limit(make_request(), "test", rate)
    limited = hit_rate_limit(make_request(), "test", rate)

    clock.time = lambda: 6060.0
    next_window = hit_rate_limit(make_request(), "test", rate)

    assert limited == 60
    assert next_window is None


def test_cache_keys_hide_session_key(make_request):
    session_key = "visitorsessionkey"

    hit_rate_limit(make_request(session_key=session_key), "test", Rate(5, DAY))

    keys = list(cache._cache)
    assert len(keys) == 2
    assert not any(session_key in key for key in keys)


def test_limit_shared_by_two_redis_clients(
    make_request, monkeypatch, redis_cache_settings
):
    options = redis_cache_settings["default"]
    first = RedisCache(options["LOCATION"], {"KEY_PREFIX": options["KEY_PREFIX"]})
    second = RedisCache(options["LOCATION"], {"KEY_PREFIX": options["KEY_PREFIX"]})
    rate = Rate(3, DAY)
    results = []

    for server_cache in [first, second, first, second]:
        monkeypatch.setattr("helpdesk.ratelimit.cache", server_cache)
        results.append(hit_rate_limit(make_request(), "test", rate))

    assert results[:3] == [None, None, None]
    assert results[3] is not None


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(1, "1\xa0minute"), (60, "1\xa0minute"), (61, "2\xa0minutes")],
)
def test_format_wait_rounds_up_to_minutes(seconds, expected):
    assert format_wait(seconds) == expected
