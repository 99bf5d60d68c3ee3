"""Error pages are plain pages of the product, in the visitor's language."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_missing_page_explains_replaced_links(client):
    response = client.get("/tickets/t/not-a-real-token/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "My tickets" in response.text


def test_missing_page_in_russian(client):
    response = client.get("/no-such-page/", headers={"accept-language": "ru"})

    assert response.status_code == 404
    assert "Страница не найдена" in response.text


def test_form_without_csrf_token_gets_plain_page():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/messages/", {"text": "VPN does not connect"})

    assert response.status_code == 403
    assert "Your session has changed or expired" in response.text


@pytest.fixture
def small_upload_limit(settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000


def test_too_large_form_gets_plain_page(client, small_upload_limit):
    response = client.post("/messages/", {"text": "x" * 20_000})

    assert response.status_code == 413
    assert "The form is too large to send" in response.text
    assert "at most 9.8\xa0KB in one form" in response.text


def test_too_large_form_page_in_russian(client, small_upload_limit):
    response = client.post(
        "/messages/", {"text": "x" * 20_000}, headers={"accept-language": "ru"}
    )

    assert response.status_code == 413
    assert "Форма слишком велика" in response.text


def test_other_bad_request_keeps_django_page(client, settings):
    settings.DEBUG = False

    response = client.get("/", headers={"host": "bad host"})

    assert response.status_code == 400
    assert "Bad Request" in response.text
