"""Drive the chat in Chromium against the app served by uvicorn under ASGI.

The live server runs in its own process on its own database, because the
stream must go through a real ASGI server to arrive in pieces. On PostgreSQL
the test creates and drops a database of its own; otherwise it uses a
temporary SQLite file.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'browser.sqlite3'}"
        return

    import psycopg

    name = f"helpdesk_browser_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=default["HOST"] or "127.0.0.1",
        port=default["PORT"] or 5432,
        user=default["USER"],
        password=default["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    user = default["USER"]
    host = default["HOST"] or "127.0.0.1"
    port = default["PORT"] or 5432
    yield f"postgres://{user}@{host}:{port}/{name}"
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def live_server_url(database_url, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ANTHROPIC_API_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=database_url,
        HELPDESK_OFFLINE_WORD_DELAY="0.03",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["loaddata", "knowledge", "-v0"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, timeout=120)

    port = free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "helpdesk.asgi:application"]
        + ["--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                pytest.fail((tmp_path / "server.log").read_text())
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture
def page(live_server_url):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: install the Debian package 'chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="en-US", base_url=live_server_url)
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def ask(page, question):
    page.fill("#id_text", question)
    page.click("#message-form button[type=submit]")


def test_chat_streams_answer_and_hands_off_to_ticket(page):
    page.goto("/")

    ask(page, "VPN does not connect")
    # While the answer streams, raw text grows inside the streaming bubble.
    page.wait_for_function(
        "() => { const raw = document.querySelector("
        "'.bubble-streaming .bubble-text-raw');"
        " return raw && raw.textContent.trim().split(/\\s+/).length >= 3; }"
    )
    answer = page.locator(".bubble-assistant.bubble-complete").last
    answer.locator(".confidence-value").wait_for()

    assert float(answer.locator(".confidence-value").inner_text()) >= 0.6
    assert answer.locator(".sources a").count() >= 1
    assert page.locator(".bubble-streaming").count() == 0

    ask(page, "How do I apply for a vacation?")
    form = page.locator("#ticket-form")
    form.wait_for()

    assert "vacation" in page.input_value("#ticket-form [name=subject]")
    page.fill("#ticket-form [name=requester_name]", "Anna Petrova")
    page.fill("#ticket-form [name=requester_email]", "anna@example.com")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")

    assert "HD-" in page.inner_text("body")
    assert "How do I apply for a vacation?" in page.inner_text("body")
