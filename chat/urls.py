from django.urls import path

from chat import stream, views

app_name = "chat"

urlpatterns = [
    path("", views.chat_page, name="page"),
    path("messages/", views.post_message, name="post_message"),
    path("messages/<uuid:public_id>/stream/", stream.stream_reply, name="stream"),
    path("messages/<uuid:public_id>/rating/", views.rate_reply, name="rate"),
    path("conversations/new/", views.new_conversation, name="new_conversation"),
]
