"""Drive the employee's forms in Chromium: nothing typed or pasted is lost.

These tests use the fixtures of test_browser.py, so this module starts its
own live server in the same way. The server counts new tickets per client
address, and every test connects from 127.0.0.1, so the module creates
fewer tickets than HELPDESK_TICKET_RATE allows in an hour (5).
"""

import pytest

from chat.tests import test_browser

pytestmark = pytest.mark.browser

server_dir = test_browser.server_dir
database_url = test_browser.database_url
live_server_url = test_browser.live_server_url
page = test_browser.page
console_errors = test_browser.console_errors
ask = test_browser.ask


def script_errors(console_errors):
    """Return the console errors other than Chromium's notes of 4xx responses,
    which the forms get on purpose for rejected input."""
    return [
        error
        for error in console_errors
        if not error.startswith("Failed to load resource: the server responded")
    ]


def error_log(size):
    """Return a pasted error log of ``size`` characters whose end differs."""
    lines = "".join(f"{index:05d} ERROR disk quota exceeded\n" for index in range(600))
    return lines[: size - len("END OF LOG")] + "END OF LOG"


def open_page(playwright, live_server_url, launch_options=None, **context_options):
    browser = playwright.chromium.launch(
        executable_path=str(test_browser.CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
        **(launch_options or {}),
    )
    context = browser.new_context(
        locale="en-US", base_url=live_server_url, **context_options
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def no_script_page(live_server_url):
    """Return a page of a Chromium context with JavaScript turned off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield open_page(playwright, live_server_url, java_script_enabled=False)


@pytest.fixture
def cached_page(live_server_url):
    """Return a page of Chromium with its back-forward cache, which Playwright
    turns off by default."""
    from playwright.sync_api import sync_playwright

    options = {"ignore_default_args": ["--disable-back-forward-cache"]}
    with sync_playwright() as playwright:
        yield open_page(playwright, live_server_url, launch_options=options)


def paste(page, selector, text):
    """Put ``text`` into a field as a paste does, through the browser's editing."""
    page.focus(selector)
    page.keyboard.insert_text(text)


def fill_ticket_form(page, subject="Disk quota error", description="Log below."):
    page.fill("#ticket-form [name=requester_name]", "Anna Petrova")
    page.fill("#ticket-form [name=requester_email]", "anna@example.com")
    page.fill("#ticket-form [name=subject]", subject)
    page.fill("#ticket-form [name=description]", description)


@pytest.mark.parametrize(
    ("name", "limit", "size"), [("description", 10000, 12412), ("subject", 200, 260)]
)
def test_pasted_overlong_ticket_field_is_kept(page, console_errors, name, limit, size):
    from playwright.sync_api import expect

    page.goto("/tickets/new/")
    fill_ticket_form(page)
    text = error_log(size).replace("\n", " ") if name == "subject" else error_log(size)
    page.fill(f"#id_{name}", "")
    paste(page, f"#id_{name}", text)

    # The whole text is in the field, and the count names how much to remove.
    assert len(page.input_value(f"#id_{name}")) == size
    count = page.locator(f"#id_{name}_count")
    expect(count).to_have_text(
        f"{size:,} / {limit:,} characters: {size - limit:,} too many. "
        "Shorten the text to send it."
    )
    assert "field-count-over" in count.get_attribute("class")

    page.click("#ticket-form button[type=submit]")
    error = page.locator(f"#id_{name}_error")
    expect(error).to_contain_text(f"it has {size} characters")
    expect(error).to_contain_text(f"at most {limit} are allowed")

    assert page.url.endswith("/tickets/new/")
    assert page.input_value(f"#id_{name}").endswith("END OF LOG")
    assert len(page.input_value(f"#id_{name}")) == size
    assert script_errors(console_errors) == []


def test_pasted_overlong_chat_message_is_kept(page, console_errors):
    from playwright.sync_api import expect

    page.goto("/")
    page.fill("#id_text", "x" * 3500)
    assert page.locator("#id_text_count").count() == 0

    page.fill("#id_text", "x" * 3700)
    expect(page.locator("#id_text_count")).to_have_text("3,700 / 4,000 characters")

    page.fill("#id_text", "")
    text = error_log(4412)
    paste(page, "#id_text", text)
    assert page.input_value("#id_text") == text
    expect(page.locator("#id_text_count")).to_contain_text("412 too many")

    page.click("#message-form button[type=submit]")
    expect(page.locator("#text-error")).to_contain_text(
        "at most 4000 characters (it has 4412)"
    )

    assert page.input_value("#id_text") == text
    assert page.locator(".bubble-employee").count() == 0
    # The form that came back with the error shows the count at once.
    expect(page.locator("#id_text_count")).to_contain_text("412 too many")
    assert script_errors(console_errors) == []


def test_pasted_overlong_reply_is_kept(page):
    from playwright.sync_api import expect

    page.goto("/tickets/new/")
    fill_ticket_form(page)
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")

    text = error_log(12412)
    paste(page, "#id_body", text)
    expect(page.locator("#id_body_count")).to_contain_text("2,412 too many")
    page.click("form.ticket-reply button[type=submit]")

    expect(page.locator("#id_body_error")).to_contain_text("it has 12412 characters")
    assert page.input_value("#id_body") == text

    # The page of the rejected reply has the reply's address, and switching
    # the language from it leads to the ticket's page.
    switch_language(page, "ru")

    assert page.input_value("#id_body") == text


def test_overlong_text_is_kept_without_javascript(no_script_page):
    page = no_script_page
    page.goto("/tickets/new/")
    fill_ticket_form(page)
    text = error_log(12412)
    page.fill("#id_description", "")
    paste(page, "#id_description", text)
    page.click("#ticket-form button[type=submit]")

    error = page.locator("#id_description_error").inner_text()
    assert "it has 12412 characters" in error
    assert "at most 10000 are allowed" in error
    assert page.input_value("#id_description") == text


def test_back_and_resend_leads_to_same_ticket(page, console_errors):
    page.goto("/tickets/new/")
    fill_ticket_form(page, subject="Printer jams", description="Every page jams.")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")
    ticket_url = page.url
    reference = page.locator(".ticket-reference .badge").first.inner_text()

    page.go_back()
    page.wait_for_url("**/tickets/new/")
    # Without its back-forward cache, Chromium loads the page again and fills
    # in the typed fields, but not the hidden submission token.
    assert page.input_value("#id_subject") == "Printer jams"
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")

    assert page.url == ticket_url
    notice = page.locator(".flash").inner_text()
    assert "You already sent this form, so no second ticket was created" in notice
    assert reference in notice
    assert console_errors == []


def test_cached_form_changed_names_ticket(cached_page):
    from playwright.sync_api import expect

    page = cached_page
    page.goto("/tickets/new/")
    fill_ticket_form(page, subject="Scanner is slow", description="Takes minutes.")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_url("**/tickets/t/**")
    reference = page.locator(".ticket-reference .badge").first.inner_text()

    page.go_back(wait_until="commit")
    page.wait_for_url("**/tickets/new/", wait_until="commit")
    # From the back-forward cache, the page keeps the entry of its first load,
    # where a page loaded again has one of type "back_forward".
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == (
        "navigate"
    )
    page.fill("#id_description", "Takes minutes. Also it jams.")
    page.click("#ticket-form button[type=submit]")

    expect(page.locator("#ticket-form")).to_contain_text(
        f"You already sent this form as ticket {reference}"
    )
    assert page.url.endswith("/tickets/new/")
    assert page.input_value("#id_description") == "Takes minutes. Also it jams."
    assert page.is_enabled("#ticket-form button[type=submit]")


def switch_language(page, code):
    page.select_option("#language-select", code)
    page.click(".language-switcher button[type=submit]")
    page.wait_for_function(f"document.documentElement.lang === '{code}'")


def test_language_switch_keeps_chat_text(page, console_errors):
    page.goto("/")
    page.fill("#id_text", "VPN drops every hour\nsince Monday")

    switch_language(page, "ru")

    assert page.input_value("#id_text") == "VPN drops every hour\nsince Monday"
    assert console_errors == []


def test_language_switch_keeps_rejected_chat_text(page):
    page.goto("/")
    page.fill("#id_text", "y" * 4100)
    page.click("#message-form button[type=submit]")
    page.locator("#text-error").wait_for()

    switch_language(page, "ru")

    assert page.input_value("#id_text") == "y" * 4100


def test_language_switch_keeps_ticket_form(page, console_errors):
    page.goto("/tickets/new/")
    fill_ticket_form(page, subject="Monitor flickers", description="Since today.")
    page.select_option("#id_category", index=2)
    category = page.input_value("#id_category")

    switch_language(page, "ru")

    assert page.input_value("#id_subject") == "Monitor flickers"
    assert page.input_value("#id_description") == "Since today."
    assert page.input_value("#id_requester_email") == "anna@example.com"
    assert page.input_value("#id_category") == category
    assert console_errors == []


def test_language_switch_keeps_chat_ticket_form(page, console_errors):
    from playwright.sync_api import expect

    page.goto("/")
    ask(page, "I want to talk to a human")
    page.locator("#ticket-form").wait_for()
    page.fill("#ticket-form [name=description]", "Typed before the switch.")
    page.fill("#id_text", "And a next question")

    switch_language(page, "ru")

    # htmx loads the ticket form after the page, and the text follows it.
    expect(page.locator("#ticket-form [name=description]")).to_have_value(
        "Typed before the switch."
    )
    assert page.input_value("#id_text") == "And a next question"
    assert console_errors == []


def test_too_large_message_notice_names_size(page):
    from playwright.sync_api import expect

    # The live server runs with DEBUG on, where Django responds to a form over
    # DATA_UPLOAD_MAX_MEMORY_SIZE with its debug page, so the 413 is faked.
    page.route("**/messages/", lambda route: route.fulfill(status=413, body=""))
    page.goto("/")
    page.fill("#id_text", "VPN does not connect")
    page.click("#message-form button[type=submit]")

    expect(page.locator("#request-error")).to_contain_text(
        "This was not sent because it is too large for the helpdesk."
    )
    assert page.input_value("#id_text") == "VPN does not connect"
