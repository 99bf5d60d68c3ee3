"""Project-wide middleware: database outages, required sign-in, proxy sign-in."""

import logging

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.core.exceptions import MiddlewareNotUsed
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """Render a 503 page instead of a 500 when a view cannot reach the database."""

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The route, not the path, because a ticket's path contains its
        # tracking token.
        match = request.resolver_match
        logger.error(
            "Database unavailable while serving %s",
            match.view_name if match else "an unresolved URL",
            exc_info=exception,
        )
        # 503.html extends no template and reads nothing from the database.
        return render(request, "503.html", status=503)


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Send anonymous visitors to the sign-in page when HELPDESK_REQUIRE_LOGIN is on.

    Views marked login_not_required stay open: sign-in, password reset, the
    health probes and the language switch. WhiteNoise serves static files
    before this middleware runs.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.HELPDESK_REQUIRE_LOGIN:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RemoteUserHeaderMiddleware(auth_middleware.PersistentRemoteUserMiddleware):
    """Sign in the user that a reverse proxy names in HELPDESK_REMOTE_USER_HEADER.

    Only safe when the proxy removes that header from the requests it forwards.
    """

    def __init__(self, get_response):
        if not settings.HELPDESK_REMOTE_USER_HEADER:
            raise MiddlewareNotUsed
        self.header = settings.HELPDESK_REMOTE_USER_HEADER
        super().__init__(get_response)
