import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import reverse


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_error_answers_503(client, monkeypatch, error):
    def fail(request):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr("chat.views.current_conversation", fail)

    response = client.get(reverse("chat:page"))

    assert response.status_code == 503
    assert "temporarily unavailable" in response.text


def test_database_error_logged_with_view_name(client, monkeypatch, caplog):
    def fail(request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("chat.views.current_conversation", fail)

    with caplog.at_level(logging.ERROR, logger="helpdesk.middleware"):
        client.get(reverse("chat:page"), {"q": "secret"})

    (record,) = [r for r in caplog.records if r.name == "helpdesk.middleware"]
    assert record.getMessage() == "Database unavailable while serving chat:page"
    assert record.exc_info[0] is OperationalError


def test_database_error_log_omits_tracking_token(client, monkeypatch, caplog):
    def fail(token):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("tickets.views.get_ticket", fail)
    token = "tracking-token-kept-out-of-logs"

    with caplog.at_level(logging.ERROR, logger="helpdesk.middleware"):
        client.get(reverse("tickets:detail", args=[token]))

    (record,) = [r for r in caplog.records if r.name == "helpdesk.middleware"]
    assert record.getMessage() == "Database unavailable while serving tickets:detail"
    assert token not in record.getMessage()


def test_database_error_page_translated(client, monkeypatch, settings):
    def fail(request):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("chat.views.current_conversation", fail)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = client.get(reverse("chat:page"))

    assert response.status_code == 503
    assert '<html lang="ru">' in response.text


def test_other_errors_still_raise(client, monkeypatch):
    def fail(request):
        raise ValueError("bug")

    monkeypatch.setattr("chat.views.current_conversation", fail)

    with pytest.raises(ValueError):
        client.get(reverse("chat:page"))
