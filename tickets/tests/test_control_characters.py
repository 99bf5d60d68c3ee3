"""Each text field of the ticket pages and the ticket admin rejects control
characters beside the field and keeps what was typed.

Single-line fields also reject directional formatting characters.
"""

import pytest
from django.core import mail
from django.urls import reverse

from tickets.models import Comment, Ticket
from tickets.tests.factories import TicketFactory
from tickets.tests.test_admin import post_change

pytestmark = pytest.mark.django_db

Status = Ticket.Status
CREATE_URL = reverse("tickets:create")
CONTROL_ERROR = "This text contains invisible control characters"
DIRECTIONAL_ERROR = "This text contains invisible characters that change the reading"
# An escape sequence, a bell and a right-to-left override, as a line pasted
# from a terminal can carry.
TERMINAL_SUBJECT = "ctrl \x1b[31mred\x07 \u202eevil"


def ticket_data(**overrides):
    """Return valid ticket form data, with ``overrides`` replacing fields.

    The valid values contain Cyrillic, emoji with zero-width joiners, tabs,
    line breaks and, in the description, directional isolates, so a test that
    expects an error on one field also shows that these are accepted.
    """
    return {
        "requester_name": "Анна Петрова 👩🏽‍💻",
        "requester_email": "anna@example.com",
        "category": "",
        "subject": "Не загружается ноутбук 💻🔥",
        "description": (
            "Экран остаётся чёрным.\r\n\tФайл \u2067ملف.txt\u2069 не открывается."
        ),
        **overrides,
    }


def field_errors(form, name):
    return [str(error) for error in form.errors.get(name, [])]


def has_error(form, name, expected):
    return any(error.startswith(expected) for error in field_errors(form, name))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("requester_name", "Anna\x1b Petrova"),
        ("requester_email", "anna\x07@example.com"),
        ("subject", "Laptop \x1b[31mdoes not\x1b[0m boot"),
        ("description", "The screen\x00 stays black.\nSince\x85 today."),
    ],
)
def test_ticket_field_rejects_control_characters(client, name, value):
    response = client.post(CREATE_URL, ticket_data(**{name: value}))

    assert response.status_code == 422
    assert not Ticket.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == [name]
    assert has_error(form, name, CONTROL_ERROR), field_errors(form, name)
    assert f'id="id_{name}_error"' in response.text
    # Every character but NUL, which a browser could not show, comes back.
    assert value.replace("\x00", "") in response.text


def test_terminal_subject_rejected(client):
    response = client.post(CREATE_URL, ticket_data(subject=TERMINAL_SUBJECT))

    form = response.context["form"]
    assert response.status_code == 422
    assert not Ticket.objects.exists()
    assert has_error(form, "subject", CONTROL_ERROR)
    assert has_error(form, "subject", DIRECTIONAL_ERROR)
    assert "(U+001B, U+0007)" in response.text
    assert "(U+202E)" in response.text
    assert f'value="{TERMINAL_SUBJECT}"' in response.text
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("requester_name", "Anna \u202eavortep"),
        ("requester_email", "anna@exa\u2066mple.com"),
        ("subject", "Invoice \u202efdp.exe"),
    ],
)
def test_single_line_field_rejects_directional(client, name, value):
    response = client.post(CREATE_URL, ticket_data(**{name: value}))

    form = response.context["form"]
    assert response.status_code == 422
    assert not Ticket.objects.exists()
    assert list(form.errors) == [name]
    assert has_error(form, name, DIRECTIONAL_ERROR), field_errors(form, name)
    assert value in response.text


def test_htmx_form_keeps_rejected_text(client):
    response = client.post(
        CREATE_URL,
        ticket_data(description="Black screen\x1b[2J after the logo"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert 'id="id_description_error"' in response.text
    assert CONTROL_ERROR in response.text
    assert "Black screen\x1b[2J after the logo</textarea>" in response.text


def test_control_character_reply_rejected_and_kept(client):
    ticket = TicketFactory(status=Status.WAITING)
    body = "Still broken:\n\x1b[31mERROR\x1b[0m <again>\x07"

    response = client.post(
        reverse("tickets:reply", args=[ticket.tracking_token]), {"body": body}
    )

    ticket.refresh_from_db()
    form = response.context["reply_form"]
    assert response.status_code == 422
    assert not ticket.comments.exists()
    assert ticket.status == Status.WAITING
    assert has_error(form, "body", CONTROL_ERROR), field_errors(form, "body")
    assert 'id="id_body_error"' in response.text
    escaped = body.replace("<", "&lt;").replace(">", "&gt;")
    assert f"\n{escaped}</textarea>" in response.text


def test_control_character_rating_comment_rejected(client):
    ticket = TicketFactory(status=Status.RESOLVED)
    comment = "Fast\x08 help"

    response = client.post(
        reverse("tickets:rate", args=[ticket.tracking_token]),
        {"rating": "5", "comment": comment},
    )

    ticket.refresh_from_db()
    form = response.context["rating_form"]
    assert response.status_code == 422
    assert ticket.rating is None
    assert has_error(form, "comment", CONTROL_ERROR), field_errors(form, "comment")
    assert f"\n{comment}</textarea>" in response.text


@pytest.mark.parametrize("kind", ["staff_reply", "internal_note"])
def test_control_character_staff_comment_rejected(staff_client, kind):
    ticket = TicketFactory()
    body = "Run this:\n\x1b]0;title\x07 ipconfig /renew"

    response = post_change(
        staff_client,
        ticket,
        **{"comments-0-kind": kind, "comments-0-body": body},
    )

    assert response.status_code == 200
    assert not Comment.objects.filter(ticket=ticket).exists()
    [comment_form] = response.context["inline_admin_formsets"][0].formset.forms
    assert has_error(comment_form, "body", CONTROL_ERROR)
    assert f"\n{body}</textarea>" in response.text
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "value", "expected_error"),
    [
        ("subject", TERMINAL_SUBJECT, DIRECTIONAL_ERROR),
        ("description", "Black\x1b[2J screen", CONTROL_ERROR),
        ("requester_name", "Anna \u2066Petrova\u2069", DIRECTIONAL_ERROR),
        ("requester_email", "anna@exa\u202emple.com", DIRECTIONAL_ERROR),
    ],
)
def test_admin_ticket_field_rejects_hidden_characters(
    staff_client, name, value, expected_error
):
    ticket = TicketFactory(subject="Printer is offline")

    response = post_change(staff_client, ticket, **{name: value})

    ticket.refresh_from_db()
    form = response.context["adminform"].form
    assert response.status_code == 200
    assert ticket.subject == "Printer is offline"
    assert has_error(form, name, expected_error), field_errors(form, name)
    assert value in response.text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("requester_name", "\u200b"),
        ("subject", "\u200b\u200b"),
        ("description", "\u200b \u2060\n\ufeff"),
        ("subject", "\u3164\u2800"),
        ("description", "\u034f\u0301\u115f"),
    ],
)
def test_invisible_only_text_is_required_error(client, name, value):
    response = client.post(CREATE_URL, ticket_data(**{name: value}))

    form = response.context["form"]
    assert response.status_code == 422
    assert field_errors(form, name) == ["This field is required."]
    assert Ticket.objects.count() == 0


def test_invisible_only_reply_is_rejected(client):
    ticket = TicketFactory(status=Status.WAITING)

    response = client.post(
        reverse("tickets:reply", args=[ticket.tracking_token]),
        {"body": "\u200b\u200d"},
    )

    form = response.context["reply_form"]
    assert response.status_code == 422
    assert not ticket.comments.exists()
    assert field_errors(form, "body") == ["This field is required."]
