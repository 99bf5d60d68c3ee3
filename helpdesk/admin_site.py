"""The project's admin site: Django's, with a permission check on "view on site"."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path


class HelpdeskAdminSite(admin.AdminSite):
    def get_urls(self):
        urls = super().get_urls()
        guarded = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [
            guarded if getattr(url, "name", None) == "view_on_site" else url
            for url in urls
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """Redirect to an object's public page if the user may view it here.

        Django's own view redirects any staff member, and a ticket's public
        page is its tracking link, so staff without access to tickets could
        otherwise read any ticket by its primary key.
        """
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except (ContentType.DoesNotExist, ValueError):
            raise Http404("No such content type.") from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(
            request
        ):
            raise PermissionDenied
        return shortcut(request, content_type_id, object_id)
