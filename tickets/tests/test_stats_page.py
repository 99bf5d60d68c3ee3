from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tickets.tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:tickets_ticketstatistics_changelist")


def statistics_part(response):
    return response.text.split('id="content-main"', 1)[1]


def test_staff_without_ticket_permission_forbidden(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 403


def test_staff_with_view_permission_allowed(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200


def test_listed_on_admin_index(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert URL in response.text


def test_default_period_is_last_30_days(staff_client):
    response = staff_client.get(URL)

    today = timezone.localdate()
    assert response.context["last_day"] == today
    assert response.context["first_day"] == today - timedelta(days=29)


def test_shows_figures_for_chosen_period(staff_client):
    created = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.get_current_timezone())
    for hours, rating in [(2, 5), (4, 4)]:
        ticket = TicketFactory()
        type(ticket).objects.filter(pk=ticket.pk).update(
            created_at=created,
            first_response_at=created + timedelta(hours=hours),
            rating=rating,
        )

    response = staff_client.get(URL, {"start": "2026-03-01", "end": "2026-03-31"})

    assert response.status_code == 200
    assert response.context["ticket_total"] == 2
    assert 'id="median-first-response">3 h 0 min<' in response.text
    assert 'id="average-rating">4.50 / 5<' in response.text
    assert 'id="rating-count">2<' in response.text


@pytest.mark.parametrize(
    "period",
    [
        {"start": "2026-13-01", "end": "2026-03-31"},
        {"start": "2026-03-31", "end": "2026-03-01"},
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"start": "9999-12-30", "end": "9999-12-31"},
    ],
)
def test_invalid_dates_show_message(staff_client, period):
    response = staff_client.get(URL, period)

    assert response.status_code == 200
    assert "The dates are invalid" in response.text
    assert response.context["last_day"] == timezone.localdate()


def test_charts_use_no_inline_style(staff_client):
    TicketFactory()

    response = staff_client.get(URL)

    part = statistics_part(response)
    assert "<svg" in part
    assert "style=" not in part
    assert "<script" not in part


def test_unknown_parameter_shows_default_period(staff_client):
    response = staff_client.get(URL, {"days": "7"})

    today = timezone.localdate()
    assert response.status_code == 200
    assert "The dates are invalid" not in response.text
    assert "This field is required" not in response.text
    assert response.context["first_day"] == today - timedelta(days=29)
    assert response.context["last_day"] == today
    assert f'value="{today.isoformat()}"' in response.text


def test_missing_end_date_shows_message(staff_client):
    response = staff_client.get(URL, {"start": "2026-03-01"})

    assert "The dates are invalid" in response.text
    assert "This field is required" in response.text
