"""Log records at INFO and above carry ids, never message text, addresses or keys.

The tests run the paths that log. Chat replies come from the offline
responder and from Claude (the fake Messages API), with failures and a spent
token budget. Tickets send a notification, and the mail server rejects one.
"""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from chat.models import Message
from knowledge.tests.factories import ArticleFactory, CategoryFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

SECRET_TEXT = "badge 7741-confidential"
EMAIL = "anna.private@example.com"
API_KEY = "sk-ant-hygiene-test-key-0123456789"
FORMATTER = logging.Formatter()


class RejectingEmailBackend(BaseEmailBackend):
    """Mail backend whose server rejects every recipient, as smtplib reports it."""

    def send_messages(self, email_messages):
        recipients = [address for m in email_messages for address in m.to]
        raise smtplib.SMTPRecipientsRefused(
            {
                address: (550, f"<{address}>: mailbox unavailable")
                for address in recipients
            }
        )


@pytest.fixture
def vpn_article(db):
    return ArticleFactory(
        category=CategoryFactory(slug="network"),
        title="VPN does not connect",
        problem="The VPN client shows an error and does not connect from home.",
        solution="1. Check the internet connection.\n2. Restart the VPN client.",
        keywords="vpn, remote access",
    )


@pytest.fixture
def claude(fake_claude_thread, settings):
    settings.ANTHROPIC_API_KEY = API_KEY
    settings.ANTHROPIC_BASE_URL = fake_claude_thread.base_url
    settings.CLAUDE_TIMEOUT = 2.0
    settings.CLAUDE_MAX_RETRIES = 0
    return fake_claude_thread


def logged_text(caplog):
    """Return each record at INFO or above as text, with its traceback."""
    texts = []
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + FORMATTER.formatException(record.exc_info)
        texts.append(text)
    return texts


def ask(client, text):
    """Post a chat message without JavaScript, so the reply is generated at once."""
    response = client.post(reverse("chat:post_message"), {"text": text})
    assert response.status_code == 302
    return Message.objects.filter(role=Message.Role.ASSISTANT).latest("pk")


def open_ticket(client, captured):
    data = {
        "requester_name": "Anna",
        "requester_email": EMAIL,
        "subject": f"VPN broken, {SECRET_TEXT}",
        "description": f"VPN does not connect. {SECRET_TEXT}",
    }
    with captured(execute=True):
        response = client.post(reverse("tickets:create"), data)
    assert response.status_code == 302


def assert_clean(texts):
    for text in texts:
        assert SECRET_TEXT not in text
        assert EMAIL not in text
        assert API_KEY not in text


def test_offline_chat_logs_no_text(visitor, vpn_article, caplog):
    caplog.set_level(logging.INFO)

    reply = ask(visitor, f"VPN does not connect, {SECRET_TEXT}")
    ask(visitor, f"Printer jammed {SECRET_TEXT}")

    texts = logged_text(caplog)
    assert reply.responder == "knowledge_base"
    assert any("posted" in text for text in texts)
    assert any("Knowledge gap" in text for text in texts)
    assert_clean(texts)


def test_claude_chat_logs_no_text_or_key(
    visitor, vpn_article, claude, settings, caplog
):
    caplog.set_level(logging.INFO)
    questions = [
        f"VPN does not connect, {SECRET_TEXT}",
        f"VPN {SECRET_TEXT} [scenario:unauthorized]",
        f"VPN {SECRET_TEXT} [scenario:overloaded]",
        f"VPN {SECRET_TEXT} [scenario:stream_error]",
    ]

    replies = [ask(visitor, question) for question in questions]
    settings.HELPDESK_DAILY_TOKEN_BUDGET = 1
    limited = ask(visitor, f"VPN still down, {SECRET_TEXT}")

    texts = logged_text(caplog)
    assert [reply.failure_reason for reply in replies] == [
        "",
        "auth",
        "overloaded",
        "stream_error",
    ]
    assert limited.handoff == Message.Handoff.DAILY_LIMIT
    assert sum("Claude reply failed" in text for text in texts) == 3
    assert any("daily token budget spent" in text for text in texts)
    assert_clean(texts)


def test_ticket_logs_no_text_or_address(
    visitor, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO)

    open_ticket(visitor, django_capture_on_commit_callbacks)

    texts = logged_text(caplog)
    ticket = Ticket.objects.get()
    assert mail.outbox[0].to == [EMAIL]
    assert any(f"Ticket {ticket.reference} created" in text for text in texts)
    assert any("notification sent" in text for text in texts)
    assert_clean(texts)


def test_rejected_mail_logs_no_address(
    visitor, settings, caplog, django_capture_on_commit_callbacks
):
    settings.MAILERS = {
        "default": {"BACKEND": f"{__name__}.RejectingEmailBackend", "OPTIONS": {}}
    }
    caplog.set_level(logging.INFO)

    open_ticket(visitor, django_capture_on_commit_callbacks)

    texts = logged_text(caplog)
    [failure] = [text for text in texts if "notification failed" in text]
    assert "SMTPRecipientsRefused" in failure
    assert Ticket.objects.count() == 1
    assert_clean(texts)
