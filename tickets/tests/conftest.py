import pytest
from django.core.mail.backends.base import BaseEmailBackend

from tickets.tests.factories import StaffFactory, UserFactory


class FailingEmailBackend(BaseEmailBackend):
    """Mail backend whose server always refuses the connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server refused the connection")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return StaffFactory(username="olga", email="olga@example.com")


@pytest.fixture
def other_staff(db):
    return StaffFactory(username="ivan", email="ivan@example.com")


@pytest.fixture
def employee(db):
    return UserFactory(username="anna", email="anna@example.com", first_name="Anna")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def employee_client(client, employee):
    client.force_login(employee)
    return client


@pytest.fixture
def failing_mail(settings):
    backend = "tickets.tests.conftest.FailingEmailBackend"
    if hasattr(settings, "MAILERS"):
        settings.MAILERS = {"default": {"BACKEND": backend}}
    else:
        settings.EMAIL_BACKEND = backend


@pytest.fixture
def request_as(rf):
    """Return a function building a request made by the given user."""

    def build(user):
        request = rf.post("/")
        request.user = user
        return request

    return build
