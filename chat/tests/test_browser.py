"""Drive the chat, ticket pages and knowledge base in Chromium under uvicorn (ASGI).

The live server runs in its own process on its own database, because the
stream must go through a real ASGI server to arrive in pieces. The tests of
this module share one server. On PostgreSQL they create and drop a database
of their own, and otherwise they use a temporary SQLite file. Each test gets
a new browser, so no session carries over.
"""

import os
import re
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


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def database_url(server_dir):
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{server_dir / 'browser.sqlite3'}"
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


@pytest.fixture(scope="module")
def live_server_url(database_url, server_dir):
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
    log = open(server_dir / "server.log", "w")
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
                pytest.fail((server_dir / "server.log").read_text())
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


@pytest.fixture
def console_errors(page):
    """Return the list that collects the page's console errors and exceptions."""
    errors = []

    def on_console(message):
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


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


def test_chat_keeps_one_ticket_form_and_csp(page, console_errors):
    page.goto("/")
    # Dragging the corner of a textarea leaves an inline style on it. The
    # browser sets it through the CSSOM, which the CSP allows.
    page.eval_on_selector("#id_text", "field => { field.style.height = '9rem'; }")

    ask(page, "I want to talk to a human")
    page.locator(".ticket-offer").nth(0).locator("#ticket-form").wait_for()
    ask(page, "Я хочу поговорить с человеком")
    offers = page.locator(".ticket-offer")
    offers.nth(1).locator("#ticket-form").wait_for()

    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert page.locator("#ticket-form").count() == 1
    assert len(ids) == len(set(ids))
    assert console_errors == []

    offers.nth(0).locator(".ticket-offer-link").click()
    offers.nth(0).locator("#ticket-form").wait_for()

    assert page.locator("#ticket-form").count() == 1
    assert not offers.nth(0).locator(".ticket-offer-link").is_visible()
    assert offers.nth(1).locator(".ticket-offer-link").is_visible()

    page.fill("#ticket-form [name=requester_name]", "Анна Петрова")
    page.fill("#ticket-form [name=requester_email]", "anna@example.com")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")

    assert "I want to talk to a human" in page.inner_text("body")
    assert console_errors == []


def ask_again_for_person(page):
    """Ask for a person a second time and wait until the new offer's form
    request has been handled, whether or not htmx swapped it in."""
    with page.expect_response(lambda response: "/tickets/new/" in response.url):
        ask(page, "Я хочу поговорить с человеком")
    second_offer = page.locator(".ticket-offer").nth(1)
    second_offer.wait_for()
    # htmx marks an element with htmx-request until it has handled the response.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    return second_offer


def test_typed_ticket_form_survives_next_offer(page, console_errors):
    page.goto("/")
    ask(page, "I want to talk to a human")
    first_offer = page.locator(".ticket-offer").nth(0)
    first_offer.locator("#ticket-form").wait_for()
    page.fill("#ticket-form [name=requester_name]", "Anna Petrova")
    page.fill("#ticket-form [name=description]", "Typed by the employee.")

    # The finished reply's offer requests a new form, which must not replace
    # the typed one.
    second_offer = ask_again_for_person(page)

    # The new offer keeps its link and loads no second form.
    assert first_offer.locator("#ticket-form").count() == 1
    assert page.locator("#ticket-form").count() == 1
    assert second_offer.locator(".ticket-offer-link").is_visible()
    assert page.input_value("#ticket-form [name=requester_name]") == "Anna Petrova"

    second_offer.locator(".ticket-offer-link").click()
    second_offer.locator("#ticket-form").wait_for()

    assert page.locator("#ticket-form").count() == 1
    assert page.input_value("#ticket-form [name=requester_name]") == "Anna Petrova"
    assert page.input_value("#ticket-form [name=description]") == (
        "Typed by the employee."
    )
    assert console_errors == []


def test_rejected_ticket_form_survives_next_offer(page):
    page.goto("/")
    ask(page, "I want to talk to a human")
    page.locator("#ticket-form").wait_for()
    page.fill("#ticket-form [name=requester_name]", "Bob Typed")
    page.fill("#ticket-form [name=requester_email]", "bob@example.com")
    page.fill("#ticket-form [name=description]", "\u200b")
    page.click("#ticket-form button[type=submit]")
    page.locator("#ticket-form .field-error").wait_for()

    ask_again_for_person(page)

    assert page.locator("#ticket-form").count() == 1
    assert page.input_value("#ticket-form [name=requester_name]") == "Bob Typed"


def test_created_ticket_is_named_once(page):
    page.goto("/")
    ask(page, "I want to talk to a human")
    page.locator("#ticket-form").wait_for()
    page.fill("#ticket-form [name=requester_name]", "Anna Petrova")
    page.fill("#ticket-form [name=requester_email]", "anna@example.com")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")

    page.goto("/")
    assert page.locator(".ticket-created").count() == 1
    ask(page, "Я хочу поговорить с человеком")
    page.locator(".ticket-offer").nth(1).wait_for()

    assert page.locator(".ticket-created").count() == 1
    assert page.locator(".ticket-offer").nth(1).locator(".ticket-created").count() == 1
    assert page.locator("#ticket-form").count() == 0


def test_knowledge_search_address_follows_query(page, console_errors):
    from playwright.sync_api import expect

    page.goto("/knowledge/")

    page.locator("#id_q").press_sequentially("vpn")
    page.wait_for_url(re.compile(r"[?&]q=vpn"))
    page.select_option("#id_category", "network")
    page.wait_for_url(re.compile(r"[?&]category=network"))
    page.reload()

    assert page.input_value("#id_q") == "vpn"
    assert page.input_value("#id_category") == "network"
    assert page.locator(".knowledge-hit").count() >= 1

    page.go_back()
    page.wait_for_url(re.compile(r"[?&]category=(&|$)"))

    # Back restores fields that match the address, not only the results.
    expect(page.locator("#id_q")).to_have_value("vpn")
    expect(page.locator("#id_category")).to_have_value("")
    assert console_errors == []


def hold_message_posts(page):
    """Hold every POST of the message form until the test releases its route."""
    held_routes = []
    page.route("**/messages/", lambda route: held_routes.append(route))
    return held_routes


def wait_for_held(page, held_routes):
    for _ in range(200):
        if held_routes:
            return
        page.wait_for_timeout(50)
    pytest.fail("The message form sent no request within 10 s.")


def test_text_typed_during_send_is_kept(page):
    from playwright.sync_api import expect

    held_routes = hold_message_posts(page)
    page.goto("/")

    ask(page, "Printer does not print")
    wait_for_held(page, held_routes)
    page.locator("#id_text").press("End")
    page.keyboard.type(" and also the scanner")
    held_routes.pop().continue_()
    page.locator(".bubble-employee").wait_for()

    expect(page.locator("#id_text")).to_have_value("and also the scanner")
    assert page.inner_text(".bubble-employee") == "Printer does not print"
    assert page.evaluate("document.activeElement.id") == "id_text"
    caret = page.evaluate("document.getElementById('id_text').selectionStart")
    assert caret == len("and also the scanner")


def test_reply_leaves_focus_elsewhere_alone(page):
    held_routes = hold_message_posts(page)
    page.goto("/")

    ask(page, "Printer does not print")
    wait_for_held(page, held_routes)
    # The employee moves on, as to the ticket form, while the message is sent.
    page.focus(".site-header a")
    held_routes.pop().continue_()
    page.locator(".bubble-employee").wait_for()
    page.wait_for_timeout(200)

    assert page.evaluate("document.activeElement.closest('.site-header') !== null")
    assert page.input_value("#id_text") == ""


def test_second_send_during_request_is_dropped(page):
    from playwright.sync_api import expect

    held_routes = hold_message_posts(page)
    page.goto("/")

    page.fill("#id_text", "Printer does not print")
    page.press("#id_text", "Enter")
    wait_for_held(page, held_routes)
    page.press("#id_text", "Enter")
    held_routes.pop().fulfill(status=503, body="Service Unavailable")
    # Without hx-sync's drop, htmx queues the second submit and sends it as
    # soon as the first request ends.
    page.wait_for_timeout(500)

    assert held_routes == []
    expect(page.locator("#request-error")).to_be_visible()
    assert page.input_value("#id_text") == "Printer does not print"


def test_invalid_rating_shows_error_in_place(page):
    from playwright.sync_api import expect

    page.goto("/")
    ask(page, "VPN does not connect")
    yes = page.locator(".bubble-complete .rating button[value=yes]")
    yes.wait_for()

    yes.evaluate("button => { button.value = 'maybe'; }")
    with page.expect_response("**/rating/") as response:
        page.click(".bubble-complete .rating button[value=maybe]")

    assert response.value.status == 422
    error = page.locator(".bubble-complete .rating .field-error")
    expect(error).to_have_text("The rating is invalid: choose yes or no.")
    assert page.locator(".site-header").count() == 1
    assert page.locator(".rating button[value=no]").count() == 1


def test_long_subject_fits_narrow_screen(page):
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto("/tickets/new/")
    page.fill("[name=subject]", "C:\\Users\\" + "a" * 180)
    page.fill("[name=requester_name]", "Anna Petrova")
    page.fill("[name=requester_email]", "anna@example.com")
    page.fill("[name=description]", "The path in the subject does not open.")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")

    width = page.evaluate("() => document.documentElement.scrollWidth")

    assert width <= 375
