import pytest
from django.db import OperationalError, connection
from django.urls import reverse


def fail_to_connect():
    raise OperationalError("connection refused")


def test_healthz_answers_without_database(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_readyz_answers_ok(client):
    response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_reports_broken_database(client, monkeypatch):
    monkeypatch.setattr(connection, "cursor", fail_to_connect)

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.content == b"database unavailable"


@pytest.mark.django_db
def test_readyz_skips_cache_without_redis(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr("helpdesk.health.cache.set", fail_to_connect)

    response = client.get(reverse("readyz"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_reports_broken_cache(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    def refuse(*args, **kwargs):
        raise ConnectionError("connection refused")

    monkeypatch.setattr("helpdesk.health.cache.set", refuse)

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.content == b"cache unavailable"


@pytest.mark.django_db
def test_readyz_checks_redis(client, settings, redis_cache_settings):
    settings.REDIS_URL = redis_cache_settings["default"]["LOCATION"]
    settings.CACHES = redis_cache_settings

    response = client.get(reverse("readyz"))

    assert response.status_code == 200


def test_health_pages_open_when_sign_in_required(client, settings, db):
    settings.HELPDESK_REQUIRE_LOGIN = True

    healthz = client.get(reverse("healthz"))
    readyz = client.get(reverse("readyz"))

    assert healthz.status_code == 200
    assert readyz.status_code == 200
