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
