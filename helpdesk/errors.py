"""Error views that replace Django's bare pages."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.template import loader
from django.views import defaults


def bad_request(request, exception):
    """Render a request larger than DATA_UPLOAD_MAX_MEMORY_SIZE as a 413 page.

    Django rejects such a request as it reads the form, which the CSRF check
    does before any view runs, and shows a bare "Bad Request (400)" page. The
    413 page explains what happened and how to keep the text. Other bad requests
    get Django's page.
    """
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception)
    # Rendered without the request, as Django renders its own error pages,
    # so no context processor runs on a request that failed half-way.
    context = {"max_size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    return HttpResponse(loader.render_to_string("413.html", context), status=413)
