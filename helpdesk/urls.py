from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from helpdesk import health

admin.site.site_header = _("IT Helpdesk administration")
admin.site.site_title = _("IT Helpdesk")
admin.site.index_title = _("Tickets, articles and statistics")

handler400 = "helpdesk.errors.bad_request"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Open to anonymous visitors also when HELPDESK_REQUIRE_LOGIN is on, so
    # that the sign-in page can switch its language.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("knowledge/", include("knowledge.urls")),
    path("tickets/", include("tickets.urls")),
    path("", include("chat.urls")),
]
