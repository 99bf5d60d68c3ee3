"""Start Django in a subprocess with a given environment, as an operator would."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "helpdesk.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
}


def run_manage(*args, **environment):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HELPDESK_", "DJANGO_", "REDIS_", "SECURE_"))
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_check_passes_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr


def test_plain_http_redirected_except_probes():
    code = (
        "from django.test import Client; client = Client(); "
        "print(client.get('/', HTTP_HOST='helpdesk.example.com').status_code, "
        "client.get('/healthz', HTTP_HOST='helpdesk.example.com').status_code)"
    )

    result = run_manage("shell", "-c", code, **PRODUCTION)

    assert result.stdout.splitlines()[-1] == "301 200", result.stderr


def test_bad_rate_stops_start_up():
    result = run_manage("check", **PRODUCTION, HELPDESK_TICKET_RATE="5 per hour")

    assert result.returncode != 0
    assert "HELPDESK_TICKET_RATE='5 per hour' is invalid" in result.stderr


@pytest.mark.parametrize(
    ("value", "error"),
    [("lots", "is invalid: expected an integer"), ("-1", "is out of range")],
)
def test_bad_token_budget_stops_start_up(value, error):
    result = run_manage("check", **PRODUCTION, HELPDESK_DAILY_TOKEN_BUDGET=value)

    assert result.returncode != 0
    assert f"HELPDESK_DAILY_TOKEN_BUDGET={value!r} {error}" in result.stderr


def test_bad_staff_address_stops_start_up():
    result = run_manage(
        "check", **PRODUCTION, HELPDESK_STAFF_EMAILS="it@example.com; oncall"
    )

    assert result.returncode != 0
    assert "HELPDESK_STAFF_EMAILS contains 'it@example.com; oncall'" in result.stderr


def test_bad_remote_user_header_stops_start_up():
    result = run_manage("check", **PRODUCTION, HELPDESK_REMOTE_USER_HEADER="X-User")

    assert result.returncode != 0
    assert "HELPDESK_REMOTE_USER_HEADER='X-User' is invalid" in result.stderr


def test_remote_user_header_adds_backend():
    code = "from django.conf import settings; print(settings.AUTHENTICATION_BACKENDS)"

    enabled = run_manage(
        "shell", "-c", code, **PRODUCTION, HELPDESK_REMOTE_USER_HEADER="HTTP_X_USER"
    )
    disabled = run_manage("shell", "-c", code, **PRODUCTION)

    assert "RemoteUserBackend" in enabled.stdout, enabled.stderr
    assert "RemoteUserBackend" not in disabled.stdout, disabled.stderr


def test_redis_url_selects_redis_cache():
    code = "from django.conf import settings; print(settings.CACHES['default'])"

    result = run_manage(
        "shell", "-c", code, **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/0"
    )

    assert "RedisCache" in result.stdout, result.stderr
