"""Request ids: one per request, on the response and on every log record.

The id lives in a context variable. asyncio tasks, and threads started through
asgiref's sync_to_async and async_to_sync, copy the context, so records
written by async views, by a streamed response's generator and by sync code
called from them all carry the id of the request they serve.
"""

import re
import uuid
from contextvars import ContextVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.signals import request_finished

HEADER = "X-Request-ID"
# Letters, digits and -_.: only, so an id from a client can neither break a log
# line nor pose as a second field. 128 characters fit the ids that proxies and
# tracing systems generate, UUIDs and 32-character hex among them.
VALID_ID_REGEX = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
NO_REQUEST = "-"

request_id = ContextVar("request_id", default=NO_REQUEST)


def incoming_or_new_id(request):
    """Return the request's X-Request-ID when it is valid, else a new id."""
    incoming = request.headers.get(HEADER, "")
    if VALID_ID_REGEX.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Set the request id for the request's log records and its response header.

    The id is not reset when the view returns, because a streamed response
    writes its records afterwards. Under ASGI each request runs in a context
    of its own, and under WSGI the ``request_finished`` signal, sent when the
    server closes the response, clears the id before the thread serves
    another request.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        value = self.start(request)
        response = self.get_response(request)
        response[HEADER] = value
        return response

    async def __acall__(self, request):
        value = self.start(request)
        response = await self.get_response(request)
        response[HEADER] = value
        return response

    def start(self, request):
        value = incoming_or_new_id(request)
        request.request_id = value
        request_id.set(value)
        return value


def clear_request_id(**kwargs):
    request_id.set(NO_REQUEST)


request_finished.connect(clear_request_id, dispatch_uid="helpdesk.clear_request_id")


class RequestIdFilter:
    """Logging filter that adds ``request_id`` to every record that it handles.

    Records written outside a request get "-".
    """

    def filter(self, record):
        record.request_id = request_id.get()
        return True
