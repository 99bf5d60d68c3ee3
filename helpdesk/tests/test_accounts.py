import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
REMOTE_USER_HEADER = "HTTP_X_REMOTE_USER"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def employee():
    return UserFactory(username="anna", email="anna@example.com", password=PASSWORD)


@pytest.fixture
def remote_user_sign_in(settings):
    settings.HELPDESK_REMOTE_USER_HEADER = REMOTE_USER_HEADER
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "django.contrib.auth.backends.RemoteUserBackend",
    ]


def test_login_page_loads(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text
    assert reverse("password_reset") in response.text


def test_login_signs_in_and_redirects_home(client, employee):
    response = client.post(reverse("login"), {"username": "anna", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_login_follows_next(client, employee):
    next_url = reverse("tickets:mine")

    response = client.post(
        reverse("login"),
        {"username": "anna", "password": PASSWORD, "next": next_url},
    )

    assert response["Location"] == next_url


def test_wrong_password_shows_error(client, employee):
    response = client.post(reverse("login"), {"username": "anna", "password": "x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'class="field-error"' in response.text


def test_nav_shows_sign_in_for_anonymous(client):
    response = client.get(reverse("chat:page"))

    assert f'href="{reverse("login")}?next=/"' in response.text
    assert reverse("logout") not in response.text


def test_nav_shows_name_and_sign_out(client, employee):
    client.force_login(employee)

    response = client.get(reverse("chat:page"))

    assert "Anna" in response.text
    assert f'action="{reverse("logout")}" method="post"' in response.text


def test_logout_by_post_signs_out(client, employee):
    client.force_login(employee)

    response = client.post(reverse("logout"))

    assert response.status_code == 200
    assert "You are signed out" in response.text
    assert "_auth_user_id" not in client.session


def test_logout_by_get_not_allowed(client, employee):
    client.force_login(employee)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_password_reset_sends_link(client, employee):
    response = client.post(reverse("password_reset"), {"email": "anna@example.com"})

    assert response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["anna@example.com"]
    assert message.subject == "Reset your IT Helpdesk password"
    assert "Your username: anna" in message.body


def test_password_reset_link_sets_password(client, employee):
    client.post(reverse("password_reset"), {"email": "anna@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body)
    form_page = client.get(link[1], follow=True)
    new_password = "violet lantern 42 orbit"

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )

    assert response["Location"] == reverse("password_reset_complete")
    employee.refresh_from_db()
    assert employee.check_password(new_password)


def test_password_reset_pages_load(client):
    for name in ["password_reset", "password_reset_done", "password_reset_complete"]:
        response = client.get(reverse(name))

        assert response.status_code == 200, name


def test_require_login_redirects_anonymous(client, settings):
    settings.HELPDESK_REQUIRE_LOGIN = True

    for url in [reverse("chat:page"), reverse("knowledge:index")]:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}", url


def test_require_login_blocks_posting(client, settings):
    settings.HELPDESK_REQUIRE_LOGIN = True

    response = client.post(reverse("chat:post_message"), {"text": "VPN"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_require_login_exempts_public_pages(client, settings):
    settings.HELPDESK_REQUIRE_LOGIN = True
    open_urls = [
        reverse("login"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
        reverse("healthz"),
        reverse("readyz"),
        reverse("admin:login"),
    ]

    for url in open_urls:
        response = client.get(url)

        assert response.status_code == 200, url


def test_require_login_allows_language_switch(client, settings):
    settings.HELPDESK_REQUIRE_LOGIN = True

    response = client.post(
        reverse("set_language"), {"language": "ru", "next": reverse("login")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_require_login_serves_static_files(client, settings):
    settings.HELPDESK_REQUIRE_LOGIN = True
    # Tests run with DEBUG off and without collectstatic, so let WhiteNoise
    # find the files in the apps.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = client.get("/static/css/app.css")

    assert response.status_code == 200


def test_require_login_lets_signed_in_through(client, settings, employee):
    settings.HELPDESK_REQUIRE_LOGIN = True
    client.force_login(employee)

    response = client.get(reverse("chat:page"))

    assert response.status_code == 200


def test_remote_user_header_signs_in(client, remote_user_sign_in, employee):
    response = client.get(reverse("chat:page"), **{REMOTE_USER_HEADER: "anna"})

    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_remote_user_creates_unknown_user(client, remote_user_sign_in):
    client.get(reverse("chat:page"), **{REMOTE_USER_HEADER: "boris"})

    user = get_user_model().objects.get(username="boris")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_remote_user_session_outlives_header(client, remote_user_sign_in, employee):
    client.get(reverse("chat:page"), **{REMOTE_USER_HEADER: "anna"})

    response = client.get(reverse("tickets:mine"))

    assert response.status_code == 200


def test_remote_user_satisfies_require_login(client, settings, remote_user_sign_in):
    settings.HELPDESK_REQUIRE_LOGIN = True

    response = client.get(reverse("chat:page"), **{REMOTE_USER_HEADER: "boris"})

    assert response.status_code == 200


def test_remote_user_header_ignored_when_off(client, settings, employee):
    settings.HELPDESK_REMOTE_USER_HEADER = ""

    response = client.get(reverse("chat:page"), **{REMOTE_USER_HEADER: "anna"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
