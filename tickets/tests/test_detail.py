import string

import pytest
from django.urls import reverse

from tickets import workflow
from tickets.models import Comment, Ticket
from tickets.tests.factories import CommentFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status


def reply_url(ticket):
    return reverse("tickets:reply", args=[ticket.tracking_token])


def rating_url(ticket):
    return reverse("tickets:rate", args=[ticket.tracking_token])


def test_tracking_token_is_long_and_random():
    tokens = {TicketFactory().tracking_token for _ in range(20)}

    assert len(tokens) == 20
    for token in tokens:
        assert len(token) >= 43
        assert set(token) <= set(string.ascii_letters + string.digits + "-_")


def test_tracking_url_has_no_pk():
    ticket = TicketFactory()

    url = ticket.get_absolute_url()

    assert url == f"/tickets/t/{ticket.tracking_token}/"
    assert f"/{ticket.pk}/" not in url


def test_detail_shows_ticket(client):
    ticket = TicketFactory(subject="Printer jams", description="Paper jams on tray 2.")

    response = client.get(ticket.get_absolute_url())

    assert response.status_code == 200
    assert ticket.reference in response.text
    assert "Printer jams" in response.text
    assert "Paper jams on tray 2." in response.text
    assert "New" in response.text


def test_unknown_token_is_404(client):
    ticket = TicketFactory()

    response = client.get(reverse("tickets:detail", args=[ticket.tracking_token[:-1]]))

    assert response.status_code == 404


def test_pk_is_not_a_token(client):
    ticket = TicketFactory()

    response = client.get(reverse("tickets:detail", args=[str(ticket.pk)]))

    assert response.status_code == 404


def test_detail_hides_internal_notes(client):
    ticket = TicketFactory()
    CommentFactory(ticket=ticket, kind=Comment.Kind.STAFF_REPLY, body="Restart it.")
    CommentFactory(ticket=ticket, kind=Comment.Kind.INTERNAL_NOTE, body="Toner again.")

    response = client.get(ticket.get_absolute_url())

    assert "Restart it." in response.text
    assert "Toner again." not in response.text


def test_detail_shows_status_history(client, staff, request_as):
    ticket = TicketFactory()
    workflow.update_ticket(request_as(staff), ticket, status=Status.WAITING)

    response = client.get(ticket.get_absolute_url())

    assert "New → Waiting for employee" in response.text


def test_employee_reply_moves_waiting_to_in_progress(client):
    ticket = TicketFactory(status=Status.WAITING)

    response = client.post(reply_url(ticket), {"body": "Yes, it is the 3rd floor."})

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.comments.get().kind == Comment.Kind.EMPLOYEE_REPLY


def test_employee_reply_keeps_new_status(client):
    ticket = TicketFactory(status=Status.NEW)

    client.post(reply_url(ticket), {"body": "One more detail."})

    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.comments.count() == 1


def test_employee_reply_reopens_resolved_ticket(client):
    ticket = TicketFactory(status=Status.RESOLVED)

    client.post(reply_url(ticket), {"body": "It broke again."})

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


@pytest.mark.parametrize("body", ["Спасибо, всё заработало!", "Thanks!"])
def test_thanks_keep_resolved_ticket_resolved(client, body):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = client.post(reply_url(ticket), {"body": body}, follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.comments.get().body == body
    assert "the ticket stays resolved" in response.text


def test_thanks_with_new_problem_reopen_ticket(client):
    ticket = TicketFactory(status=Status.RESOLVED)

    client.post(reply_url(ticket), {"body": "Спасибо, но снова не работает"})

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_thanks_move_waiting_ticket_to_staff(client):
    ticket = TicketFactory(status=Status.WAITING)

    client.post(reply_url(ticket), {"body": "Спасибо, всё заработало!"})

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_employee_reply_to_closed_ticket_rejected(client):
    ticket = TicketFactory(status=Status.CLOSED)

    response = client.post(reply_url(ticket), {"body": "Hello?"})

    ticket.refresh_from_db()
    assert response.status_code == 422
    assert not ticket.comments.exists()
    assert ticket.status == Status.CLOSED
    assert "This ticket is closed and takes no more replies" in response.text


def test_closed_ticket_reply_keeps_text_beside_field(client):
    ticket = TicketFactory(status=Status.CLOSED)

    response = client.post(reply_url(ticket), {"body": "It is back <again>."})

    form = response.context["reply_form"]
    assert form.errors["body"]
    assert 'id="id_body_error"' in response.text
    assert "It is back &lt;again&gt;.</textarea>" in response.text
    assert reverse("tickets:create") in response.text


def test_closed_ticket_page_hides_reply_form(client):
    ticket = TicketFactory(status=Status.CLOSED)

    response = client.get(ticket.get_absolute_url())

    assert reply_url(ticket) not in response.text
    assert "This ticket is closed." in response.text


def test_empty_reply_shows_error(client):
    ticket = TicketFactory(status=Status.WAITING)

    response = client.post(reply_url(ticket), {"body": ""})

    ticket.refresh_from_db()
    assert response.status_code == 422
    assert ticket.status == Status.WAITING
    assert "field-error" in response.text


def test_rating_form_shown_after_resolution(client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = client.get(ticket.get_absolute_url())

    assert rating_url(ticket) in response.text


def test_rating_form_hidden_before_resolution(client):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    response = client.get(ticket.get_absolute_url())

    assert rating_url(ticket) not in response.text


def test_rating_saved(client):
    ticket = TicketFactory(status=Status.RESOLVED)

    client.post(rating_url(ticket), {"rating": "4", "comment": "Quick, thanks."})

    ticket.refresh_from_db()
    assert ticket.rating == 4
    assert ticket.rating_comment == "Quick, thanks."


def test_rating_only_once(client):
    ticket = TicketFactory(status=Status.RESOLVED)
    client.post(rating_url(ticket), {"rating": "2"})

    response = client.post(rating_url(ticket), {"rating": "5"}, follow=True)

    ticket.refresh_from_db()
    assert ticket.rating == 2
    assert "cannot be rated" in response.text


def test_rating_before_resolution_rejected(client):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    client.post(rating_url(ticket), {"rating": "5"})

    ticket.refresh_from_db()
    assert ticket.rating is None


@pytest.mark.parametrize("rating", ["0", "6", "great", ""])
def test_invalid_rating_rejected(client, rating):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = client.post(rating_url(ticket), {"rating": rating})

    ticket.refresh_from_db()
    assert response.status_code == 422
    assert ticket.rating is None


@pytest.mark.parametrize("url", [reply_url, rating_url])
def test_get_on_form_url_goes_to_ticket(client, url):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = client.get(url(ticket))

    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()


def test_invalid_reply_renders_ticket_page(client):
    ticket = TicketFactory(status=Status.WAITING, subject="Scanner is offline")

    response = client.post(reply_url(ticket), {"body": "   "})

    assert response.status_code == 422
    assert response.templates[0].name == "tickets/detail.html"
    assert "Scanner is offline" in response.text
    assert f'action="{reply_url(ticket)}"' in response.text


def test_reply_url_opened_later_shows_ticket(client):
    ticket = TicketFactory(status=Status.WAITING)
    client.post(reply_url(ticket), {"body": ""})

    response = client.get(reply_url(ticket), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(ticket.get_absolute_url(), 302)]
    assert not ticket.comments.exists()


def test_reply_stores_line_breaks_as_newlines(client):
    ticket = TicketFactory(status=Status.WAITING)

    client.post(reply_url(ticket), {"body": "First line\r\nSecond line"})

    assert ticket.comments.get().body == "First line\nSecond line"


def test_tracking_page_is_not_cached(client):
    ticket = TicketFactory()

    response = client.get(ticket.get_absolute_url())

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
