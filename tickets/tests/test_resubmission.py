"""A ticket form sent again, as after the browser's Back button, creates no
second ticket: it leads the session that sent it to the ticket it created."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from chat.tests.factories import ConversationFactory, MessageFactory
from helpdesk.env import parse_rate
from tickets import resubmission
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = reverse("tickets:create")


def rendered_form_data(client, url=URL, **overrides):
    """Return the fields of a newly rendered ticket form, filled in."""
    token = client.get(url).context["form"].initial["submission_token"]
    return {
        "requester_name": "Anna Petrova",
        "requester_email": "anna@example.com",
        "category": "",
        "subject": "Laptop does not boot",
        "description": "The screen stays black after the logo.",
        "submission_token": token,
        **overrides,
    }


def test_rendered_form_has_new_token_each_time(client):
    first = client.get(URL)
    second = client.get(URL)

    first_token = first.context["form"].initial["submission_token"]
    second_token = second.context["form"].initial["submission_token"]
    assert len(first_token) >= 20
    assert first_token != second_token
    assert f'name="submission_token" value="{first_token}"' in first.text


def test_same_form_sent_twice_creates_one_ticket(client):
    data = rendered_form_data(client)

    first = client.post(URL, data)
    second = client.post(URL, data, follow=True)

    ticket = Ticket.objects.get()
    assert first.status_code == 302
    assert first["Location"] == ticket.get_absolute_url()
    assert second.redirect_chain == [(ticket.get_absolute_url(), 302)]
    assert "You already sent this form" in second.text
    assert ticket.reference in second.text


def test_same_form_sent_twice_with_htmx(client):
    data = rendered_form_data(client)
    client.post(URL, data, headers={"HX-Request": "true"})

    response = client.post(URL, data, headers={"HX-Request": "true"})

    ticket = Ticket.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == ticket.get_absolute_url()


def test_resent_form_skips_rate_limit(client, settings):
    settings.HELPDESK_TICKET_RATE = parse_rate("1/hour")
    data = rendered_form_data(client)
    client.post(URL, data)

    response = client.post(URL, data)

    assert response.status_code == 302
    assert Ticket.objects.count() == 1


def test_new_form_with_other_fields_creates_second_ticket(client):
    client.post(URL, rendered_form_data(client))

    response = client.post(URL, rendered_form_data(client, subject="Fan is loud"))

    assert response.status_code == 302
    assert Ticket.objects.count() == 2


def test_new_form_with_same_fields_leads_to_ticket(client):
    # Chromium without its back-forward cache loads the form again on Back,
    # with a new token, and fills in the fields that were sent.
    client.post(URL, rendered_form_data(client))

    response = client.post(URL, rendered_form_data(client), follow=True)

    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(ticket.get_absolute_url(), 302)]
    assert "You already sent this form" in response.text


def test_same_fields_after_window_create_second_ticket(client, monkeypatch):
    client.post(URL, rendered_form_data(client))
    later = time.time() + resubmission.SAME_FIELDS_WINDOW + 1
    monkeypatch.setattr(resubmission.time, "time", lambda: later)

    response = client.post(URL, rendered_form_data(client))

    assert response.status_code == 302
    assert Ticket.objects.count() == 2


def test_same_form_after_window_leads_to_ticket(client, monkeypatch):
    data = rendered_form_data(client)
    client.post(URL, data)
    later = time.time() + resubmission.SAME_FIELDS_WINDOW + 1
    monkeypatch.setattr(resubmission.time, "time", lambda: later)

    response = client.post(URL, data)

    assert response.status_code == 302
    assert Ticket.objects.count() == 1


def test_form_without_token_sent_twice_creates_one_ticket(client):
    data = rendered_form_data(client, submission_token="")

    client.post(URL, data)
    client.post(URL, data)

    assert Ticket.objects.count() == 1


def test_malformed_token_is_ignored(client):
    data = rendered_form_data(client, submission_token="<not a token>")

    first = client.post(URL, data)
    second = client.post(URL, {**data, "subject": "Fan is loud"})

    assert first.status_code == 302
    assert second.status_code == 302
    assert Ticket.objects.count() == 2


def test_changed_resent_form_keeps_text_and_names_ticket(client):
    data = rendered_form_data(client)
    client.post(URL, data)
    ticket = Ticket.objects.get()
    changed = {**data, "description": "Also the fan is loud."}

    response = client.post(URL, changed)

    assert response.status_code == 409
    assert Ticket.objects.count() == 1
    assert "Also the fan is loud." in response.text
    assert f"You already sent this form as ticket {ticket.reference}" in response.text
    assert f'href="{ticket.get_absolute_url()}"' in response.text
    new_token = response.context["form"]["submission_token"].value()
    assert new_token
    assert new_token != data["submission_token"]


def test_changed_form_sent_again_creates_second_ticket(client):
    data = rendered_form_data(client)
    client.post(URL, data)
    changed = {**data, "description": "Also the fan is loud."}
    conflict = client.post(URL, changed)
    new_token = conflict.context["form"]["submission_token"].value()

    response = client.post(URL, {**changed, "submission_token": new_token})

    assert response.status_code == 302
    assert Ticket.objects.count() == 2
    assert Ticket.objects.filter(description="Also the fan is loud.").exists()


def test_changed_resent_form_with_htmx_renders_partial(client):
    data = rendered_form_data(client)
    client.post(URL, data)

    response = client.post(
        URL, {**data, "subject": "Other"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 409
    assert "<html" not in response.text
    assert 'id="ticket-form"' in response.text
    assert "data-edited" in response.text


def test_other_session_with_same_token_gets_own_ticket(client):
    data = rendered_form_data(client)
    client.post(URL, data)
    first = Ticket.objects.get()

    other = Client()
    response = other.post(URL, data)

    second = Ticket.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302
    assert response["Location"] == second.get_absolute_url()
    assert first.tracking_token not in response.text


def test_other_session_changed_form_shows_no_link(client):
    data = rendered_form_data(client)
    client.post(URL, data)
    first = Ticket.objects.get()

    response = Client().post(URL, {**data, "subject": "Other"})

    assert response.status_code == 302
    assert first.tracking_token not in response.text


def test_replaced_tracking_link_is_not_shown(client):
    data = rendered_form_data(client)
    client.post(URL, data)
    ticket = Ticket.objects.get()
    old_url = ticket.get_absolute_url()
    ticket.tracking_token = "replaced-by-staff"
    ticket.save()

    response = client.post(URL, data)

    assert response.status_code == 302
    assert Ticket.objects.count() == 2
    assert response["Location"] != old_url
    assert "replaced-by-staff" not in response["Location"]


def test_session_keeps_newest_sent_forms(client, settings):
    settings.HELPDESK_TICKET_RATE = parse_rate("100/hour")
    for number in range(resubmission.KEPT_ENTRIES + 2):
        client.post(URL, rendered_form_data(client, subject=f"Problem {number}"))

    entries = client.session[resubmission.SESSION_KEY]
    newest = Ticket.objects.order_by("-pk").first()
    assert Ticket.objects.count() == resubmission.KEPT_ENTRIES + 2
    assert len(entries) == resubmission.KEPT_ENTRIES
    assert entries[-1]["ticket"] == newest.tracking_token


def test_chat_ticket_form_sent_twice_creates_one_ticket(visitor, session_key):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation, text="VPN does not connect")
    url = f"{URL}?conversation={conversation.public_id}"
    data = rendered_form_data(visitor, url)

    visitor.post(url, data, headers={"HX-Request": "true"})
    response = visitor.post(url, data, headers={"HX-Request": "true"})

    ticket = Ticket.objects.get()
    assert ticket.conversation == conversation
    assert response["HX-Redirect"] == ticket.get_absolute_url()
