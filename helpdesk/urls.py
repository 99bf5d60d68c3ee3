from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("IT Helpdesk administration")
admin.site.site_title = _("IT Helpdesk")
admin.site.index_title = _("Tickets, articles and statistics")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("knowledge/", include("knowledge.urls")),
    path("tickets/", include("tickets.urls")),
    path("", include("chat.urls")),
]
