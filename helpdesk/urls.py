from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("knowledge/", include("knowledge.urls")),
    path("tickets/", include("tickets.urls")),
    path("", include("chat.urls")),
]
