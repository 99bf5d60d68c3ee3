"""Each text field of the ticket pages rejects overlong input beside the field.

The limits come from the model fields, so the form check, the browser's
character count and the database column cannot drift apart. The fields have
no HTML maxlength, because a browser cuts pasted text at it without a word.
"""

import pytest
from django.urls import reverse

from tickets.models import Comment, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
CREATE_URL = reverse("tickets:create")


def limit(model, name):
    return model._meta.get_field(name).max_length


def ticket_data(**overrides):
    return {
        "requester_name": "Anna Petrova",
        "requester_email": "anna@example.com",
        "category": "",
        "subject": "Laptop does not boot",
        "description": "The screen stays black after the logo.",
        **overrides,
    }


def overlong_value(name):
    """Return a value one character over the limit of a ticket form field."""
    if name == "requester_email":
        # A local part of the maximum 64 characters, in a long domain.
        domain = "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".example.com"
        return "a" * 64 + "@" + domain
    return "x" * (limit(Ticket, name) + 1)


TICKET_FIELDS = ["requester_name", "requester_email", "subject", "description"]


@pytest.mark.parametrize("name", TICKET_FIELDS)
def test_ticket_form_leaves_limit_to_server(client, name):
    response = client.get(CREATE_URL)

    field = str(response.context["form"][name])
    assert " maxlength=" not in field
    assert f'data-max-length="{limit(Ticket, name)}"' in field


@pytest.mark.parametrize("name", TICKET_FIELDS)
def test_overlong_ticket_field_rejected(client, name):
    value = overlong_value(name)
    assert len(value) > limit(Ticket, name)

    response = client.post(CREATE_URL, ticket_data(**{name: value}))

    assert response.status_code == 422
    assert not Ticket.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == [name]
    assert f'id="id_{name}_error"' in response.text
    assert value in response.text


@pytest.mark.parametrize(("name", "size"), [("subject", 12412), ("description", 12412)])
def test_overlong_ticket_field_error_names_lengths(client, name, size):
    value = ("error at line 42 " * 1000)[:size]

    response = client.post(CREATE_URL, ticket_data(**{name: value}))

    [error] = response.context["form"].errors[name]
    assert f"it has {size} characters" in error
    assert f"at most {limit(Ticket, name)} are allowed" in error


def test_description_at_limit_with_line_breaks_accepted(client):
    # The browser lets the employee type this much, because it counts each
    # line break as one character, but sends each one as "\r\n".
    size = limit(Ticket, "description")
    typed = ("line\n" * 100).ljust(size, "x")
    assert len(typed) == size

    response = client.post(
        CREATE_URL, ticket_data(description=typed.replace("\n", "\r\n"))
    )

    assert response.status_code == 302
    assert Ticket.objects.get().description == typed


def test_detail_forms_leave_limit_to_server(client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = client.get(ticket.get_absolute_url())

    body = str(response.context["reply_form"]["body"])
    comment = str(response.context["rating_form"]["comment"])
    assert " maxlength=" not in body
    assert f'data-max-length="{limit(Comment, "body")}"' in body
    assert " maxlength=" not in comment
    assert f'data-max-length="{limit(Ticket, "rating_comment")}"' in comment


def test_overlong_reply_rejected_and_kept(client):
    ticket = TicketFactory(status=Status.WAITING)
    body = "y" * (limit(Comment, "body") + 1)

    response = client.post(
        reverse("tickets:reply", args=[ticket.tracking_token]), {"body": body}
    )

    ticket.refresh_from_db()
    assert response.status_code == 422
    assert not ticket.comments.exists()
    assert ticket.status == Status.WAITING
    assert response.context["reply_form"].errors["body"]
    assert 'id="id_body_error"' in response.text
    assert f"\n{body}</textarea>" in response.text


def test_overlong_rating_comment_rejected_and_kept(client):
    ticket = TicketFactory(status=Status.RESOLVED)
    comment = "z" * (limit(Ticket, "rating_comment") + 1)

    response = client.post(
        reverse("tickets:rate", args=[ticket.tracking_token]),
        {"rating": "4", "comment": comment},
    )

    ticket.refresh_from_db()
    assert response.status_code == 422
    assert ticket.rating is None
    assert response.context["rating_form"].errors["comment"]
    assert 'id="id_comment_error"' in response.text
    assert f"\n{comment}</textarea>" in response.text
