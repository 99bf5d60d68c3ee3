from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("new/", views.create_ticket, name="create"),
    path("mine/", views.my_tickets, name="mine"),
    path("t/<str:token>/", views.ticket_detail, name="detail"),
    path("t/<str:token>/reply/", views.reply_to_ticket, name="reply"),
    path("t/<str:token>/rating/", views.rate_ticket, name="rate"),
]
