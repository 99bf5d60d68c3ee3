import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from tickets import workflow
from tickets.models import Event, Ticket
from tickets.tests.factories import CommentFactory, StaffFactory, TicketFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")


def revoke_url(ticket):
    return reverse("admin:tickets_ticket_revoke_link", args=[ticket.pk])


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def test_revoke_button_on_change_page(staff_client):
    ticket = TicketFactory()

    response = staff_client.get(change_url(ticket))

    assert f'action="{revoke_url(ticket)}"' in response.text
    assert "Revoke the tracking link" in response.text


def test_revoke_replaces_token(staff_client):
    ticket = TicketFactory()
    old_url = ticket.get_absolute_url()

    response = staff_client.post(revoke_url(ticket))

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == change_url(ticket)
    assert ticket.get_absolute_url() != old_url
    assert len(ticket.tracking_token) >= 43


def test_old_link_is_404_new_link_works(client, staff, request_as):
    ticket = TicketFactory()
    old_token = ticket.tracking_token

    workflow.replace_tracking_link(request_as(staff), ticket)

    for name in ["tickets:detail", "tickets:reply", "tickets:rate"]:
        assert client.get(reverse(name, args=[old_token])).status_code == 404
    assert client.get(ticket.get_absolute_url()).status_code == 200


def test_revoke_keeps_ticket_and_thread(staff_client):
    ticket = TicketFactory(status=Ticket.Status.WAITING, subject="VPN is down")
    CommentFactory(ticket=ticket, body="Which office are you in?")

    staff_client.post(revoke_url(ticket))

    ticket.refresh_from_db()
    assert ticket.subject == "VPN is down"
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.comments.get().body == "Which office are you in?"
    assert staff_client.get(change_url(ticket)).status_code == 200


def test_revoke_recorded_in_history(staff_client, staff):
    ticket = TicketFactory()

    staff_client.post(revoke_url(ticket))

    event = Event.objects.get(ticket=ticket, field=Event.TRACKING_LINK)
    assert event.actor == staff
    assert event.new_display == "revoked, new link issued"
    assert ticket.tracking_token not in event.old_value + event.new_value


def test_revoke_hidden_from_employee_history(client, staff, request_as):
    ticket = TicketFactory()
    workflow.replace_tracking_link(request_as(staff), ticket)

    response = client.get(ticket.get_absolute_url())

    assert "revoked" not in response.text


def test_revoke_mails_new_link_to_requester(
    staff_client, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(requester_email="anna@example.com")
    old_token = ticket.tracking_token

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(revoke_url(ticket))

    ticket.refresh_from_db()
    [message] = mail.outbox
    assert message.to == ["anna@example.com"]
    assert ticket.reference in message.subject
    assert f"http://testserver{ticket.get_absolute_url()}" in message.body
    assert old_token not in message.body


def test_my_tickets_links_new_url(employee_client, employee, staff, request_as):
    ticket = TicketFactory(user=employee)
    old_url = ticket.get_absolute_url()
    workflow.replace_tracking_link(request_as(staff), ticket)

    response = employee_client.get(reverse("tickets:mine"))

    assert ticket.get_absolute_url() in response.text
    assert old_url not in response.text
    assert employee_client.get(ticket.get_absolute_url()).status_code == 200


def test_bulk_action_revokes_selected(staff_client):
    first, second, untouched = TicketFactory(), TicketFactory(), TicketFactory()
    tokens = {t.pk: t.tracking_token for t in (first, second, untouched)}

    response = staff_client.post(
        CHANGELIST,
        {
            "action": "replace_tracking_links",
            "_selected_action": [first.pk, second.pk],
        },
        follow=True,
    )

    for ticket in (first, second, untouched):
        ticket.refresh_from_db()
    assert first.tracking_token != tokens[first.pk]
    assert second.tracking_token != tokens[second.pk]
    assert untouched.tracking_token == tokens[untouched.pk]
    assert Event.objects.filter(field=Event.TRACKING_LINK).count() == 2
    assert "2 tracking links revoked" in response.text


def test_revoke_needs_post(staff_client):
    ticket = TicketFactory()
    token = ticket.tracking_token

    response = staff_client.get(revoke_url(ticket))

    ticket.refresh_from_db()
    assert response.status_code == 405
    assert ticket.tracking_token == token


def test_revoke_needs_change_permission(client):
    viewer = StaffFactory(username="viewer", is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(viewer)
    ticket = TicketFactory()
    token = ticket.tracking_token

    response = client.post(revoke_url(ticket))

    ticket.refresh_from_db()
    assert response.status_code == 403
    assert ticket.tracking_token == token
    assert not Event.objects.filter(field=Event.TRACKING_LINK).exists()
    assert revoke_url(ticket) not in client.get(change_url(ticket)).text


def test_revoke_unknown_ticket_is_404(staff_client):
    response = staff_client.post(
        reverse("admin:tickets_ticket_revoke_link", args=[999999])
    )

    assert response.status_code == 404
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["/tickets/t/%00/", "/tickets/t/a%00b/reply/", "/tickets/t/a%00b/rating/"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_malformed_token_is_404(client, path, method):
    # PostgreSQL rejects a NUL in a query with an error, so such a token must
    # be turned away before any query.
    TicketFactory()

    response = getattr(client, method)(path)

    assert response.status_code == 404


def test_tracking_link_still_resolves(client):
    ticket = TicketFactory()

    response = client.get(ticket.get_absolute_url())

    assert response.status_code == 200
    assert ticket.subject in response.text
