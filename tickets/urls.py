from django.urls import path, register_converter

from tickets import views


class TrackingTokenConverter:
    """A tracking token: URL-safe base64 letters, at most 64 of them.

    Any other text in its place is not found without a query, because
    PostgreSQL rejects a NUL in a query's text with an error.
    """

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TrackingTokenConverter, "tracking_token")

app_name = "tickets"

urlpatterns = [
    path("new/", views.create_ticket, name="create"),
    path("mine/", views.my_tickets, name="mine"),
    path("t/<tracking_token:token>/", views.ticket_detail, name="detail"),
    path("t/<tracking_token:token>/reply/", views.reply_to_ticket, name="reply"),
    path("t/<tracking_token:token>/rating/", views.rate_ticket, name="rate"),
]
