from django.urls import path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.show_article, name="article"),
    path("<int:pk>/vote/", views.vote_article, name="vote"),
]
