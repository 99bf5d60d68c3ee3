"""Drive the chat as the page does: post a message, read its reply stream, reload.

The stream view is async. The synchronous test client reads its whole body
through ``async_to_sync``, on the test's own database connection, so these
helpers work in ordinary ``django_db`` tests. Django warns that it consumes
an asynchronous iterator synchronously, and the test modules silence that
warning.
"""

import re
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from chat.models import Conversation, Message
from chat.tests.unsafe_markup import find_unsafe_markup
from knowledge.tests.factories import ArticleFactory, CategoryFactory

POST_URL = reverse("chat:post_message")
# What htmx sends with hx-post: the htmx header and a url-encoded form.
HTMX_HEADERS = {"HTTP_HX_REQUEST": "true"}
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# An event stream ends a line at CRLF, LF or a lone CR.
SSE_LINE_BREAK = re.compile(r"\r\n|\r|\n")
STREAM_WARNING = "ignore:StreamingHttpResponse must consume asynchronous iterators"


def post_message(client, case):
    """Post ``case`` (a HostileMessage) the way the chat form does."""
    if case.raw_text:
        body = b"text=" + case.raw_text
    else:
        body = urlencode({"text": case.text}).encode()
    return client.post(
        POST_URL, data=body, content_type=FORM_CONTENT_TYPE, **HTMX_HEADERS
    )


def parse_events(body):
    """Return (event, data) pairs from an event stream, as a browser reads it."""
    events = []
    name, data = "", []
    for line in SSE_LINE_BREAK.split(body):
        if line == "":
            if data:
                events.append((name or "message", "\n".join(data)))
            name, data = "", []
        elif line.startswith("event:"):
            name = line.removeprefix("event:").removeprefix(" ")
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").removeprefix(" "))
    return events


def read_stream(client, reply):
    """Return the status and the events of ``reply``'s stream."""
    response = client.get(reverse("chat:stream", args=[reply.public_id]))
    body = b"".join(response).decode()
    return response.status_code, parse_events(body)


def latest_exchange():
    question, reply = Message.objects.order_by("-created_at", "-pk")[:2][::-1]
    return question, reply


def staff_client():
    """Return a test client signed in as a superuser.

    The user has no usable password, which saves hashing one in every test.
    """
    user = get_user_model().objects.create_superuser("staff", "staff@example.com")
    client = Client()
    client.force_login(user)
    return client


def chat_pages(client):
    """Return the HTML that shows the latest conversation, by where it is shown.

    That is the chat page, the ticket form that the page loads prefilled from
    the conversation, and the conversation's transcript in the admin.
    """
    admin_client = staff_client()
    conversation = Conversation.objects.latest("created_at")
    query = f"?conversation={conversation.public_id}"
    admin_url = reverse("admin:chat_conversation_change", args=[conversation.pk])
    responses = {
        "chat page": client.get(reverse("chat:page")),
        "ticket form": client.get(reverse("tickets:create") + query),
        "admin transcript": admin_client.get(admin_url),
    }
    pages = {}
    for name, response in responses.items():
        assert response.status_code == 200, f"{name}: {response.status_code}"
        pages[name] = response.content.decode()
    return pages


def create_article(spec):
    """Create the network article that ``spec`` from hostile_inputs describes."""
    category = CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")
    fields = {key: value for key, value in spec.items() if key != "id"}
    return ArticleFactory(category=category, keywords="vpn, client", **fields)


def assert_markup_safe(html, where):
    problems = find_unsafe_markup(html)
    assert problems == [], f"unsafe markup in {where}: {problems}"


def assert_stream_safe(events):
    """Check that the stream ends in one done event and carries no unsafe markup."""
    names = [name for name, _data in events]
    assert names, "the stream sent no event"
    assert names[-1] == "done"
    assert set(names[:-1]) <= {"delta"}, f"unexpected events: {names}"
    deltas = "".join(data for name, data in events if name == "delta")
    assert_markup_safe(deltas, "the delta events")
    assert_markup_safe(events[-1][1], "the done event")
