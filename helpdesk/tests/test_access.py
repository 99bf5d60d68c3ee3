"""Every URL that names an object rejects visitors who do not own that object.

The URL patterns are read from the resolver, and every pattern with a path
parameter (id, uuid, token) must have an entry in CASES. A new URL without
one fails test_url_has_access_case until it gets a case here.

Each case tries the URL as another signed-in employee, as another anonymous
session and as a visitor without a session, with GET and with the POSTs that
change state. It expects 404, 403 or a redirect to sign-in, and a database
that has not changed at all. A second test proves that the owner reaches the
same URL, so a rejection cannot come from a broken URL.

Ticket tracking links are bearer links: anyone with the current link can read
the ticket and reply, as the ticket page tells the employee. So the tracking case
tries links that must open nothing: a revoked one, the ticket's primary key
and a truncated token.

Admin URLs are checked apart: every pattern under admin/ except the sign-in
page must send non-staff visitors to the admin sign-in page, or answer 404.
"""

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from knowledge.models import Vote
from knowledge.tests.factories import ArticleFactory
from tickets import workflow
from tickets.models import Ticket
from tickets.tests.factories import (
    CommentFactory,
    StaffFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    parameters: tuple[str, ...]
    is_regex: bool


def walk(patterns, prefix="", namespace=""):
    """Yield every URL pattern of the project with its full route and name."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            parameters = tuple(entry.pattern.regex.groupindex)
            is_regex = isinstance(entry.pattern, RegexPattern)
            yield Pattern(route, name, parameters, is_regex)


ALL_PATTERNS = list(walk(get_resolver().url_patterns))
ADMIN_PATTERNS = [p for p in ALL_PATTERNS if p.route.startswith("admin/")]
OBJECT_PATTERNS = [p for p in ALL_PATTERNS if p.parameters and p not in ADMIN_PATTERNS]
OTHER_VISITORS = ["other_employee", "other_session", "anonymous"]


def new_session_client():
    session = SessionStore()
    session.create()
    client = Client()
    client.cookies["sessionid"] = session.session_key
    return client, session.session_key


def signed_in_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """Create an owner, other visitors and a client for each of them."""
    owner = UserFactory(username="anna")
    staff = StaffFactory(username="olga")
    session_client, session_key = new_session_client()
    other_session_client, _key = new_session_client()
    clients = {
        "employee": signed_in_client(owner),
        "session": session_client,
        "staff": signed_in_client(staff),
        "other_employee": signed_in_client(UserFactory(username="boris")),
        "other_session": other_session_client,
        "anonymous": Client(),
    }
    return SimpleNamespace(
        owner=owner, staff=staff, session_key=session_key, clients=clients
    )


@dataclass(frozen=True)
class Target:
    """URL arguments the other visitors try, and the visitor who owns them.

    ``owner_kwargs`` defaults to ``kwargs``. It differs when the arguments
    tried are a stale or wrong form of the owner's, such as a revoked link.
    """

    kwargs: dict[str, Any]
    owner: str
    owner_kwargs: dict[str, Any] | None = None

    @property
    def owner_url_kwargs(self):
        return self.owner_kwargs or self.kwargs


def is_rejected(response):
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"].startswith(
        reverse("login")
    )


def is_invalid_reset_link(response):
    return response.status_code == 200 and response.context["validlink"] is False


@dataclass(frozen=True)
class Case:
    targets: Any
    methods: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)
    rejected: Any = is_rejected


def chat_targets(world):
    """Return an assistant reply of a signed-in owner and of an anonymous one."""
    targets = []
    for owner, conversation in [
        ("employee", ConversationFactory(user=world.owner, session_key="")),
        ("session", ConversationFactory(user=None, session_key=world.session_key)),
    ]:
        MessageFactory(conversation=conversation)
        reply = MessageFactory(
            conversation=conversation,
            role=Message.Role.ASSISTANT,
            text="Restart the VPN client.",
        )
        targets.append(Target({"public_id": reply.public_id}, owner))
    return targets


def draft_article_targets(world):
    article = ArticleFactory(title="Draft: new VPN gateway", is_published=False)
    return [Target({"pk": article.pk}, "staff")]


def tracking_targets(world):
    ticket = TicketFactory(user=world.owner, status=Ticket.Status.RESOLVED)
    CommentFactory(ticket=ticket, body="Fixed the gateway.")
    revoked = ticket.tracking_token
    staff_request = RequestFactory().post("/")
    staff_request.user = world.staff
    workflow.replace_tracking_link(staff_request, ticket)
    current = {"token": ticket.tracking_token}
    return [
        Target({"token": revoked}, "employee", current),
        Target({"token": str(ticket.pk)}, "employee", current),
        Target({"token": ticket.tracking_token[:-1]}, "employee", current),
    ]


def password_reset_targets(world):
    uid = urlsafe_base64_encode(force_bytes(world.owner.pk))
    valid = default_token_generator.make_token(world.owner)
    return [
        Target({"uidb64": uid, "token": "set-by-someone-else"}, "anonymous", None),
        Target(
            {"uidb64": uid, "token": valid[:-1] + "x"},
            "anonymous",
            {"uidb64": uid, "token": valid},
        ),
    ]


NEW_PASSWORD = {
    "new_password1": "a new long pass 84",
    "new_password2": "a new long pass 84",
}

CASES = {
    "chat:stream": Case(chat_targets, ("get",)),
    "chat:rate": Case(chat_targets, ("post",), {"helpful": "no"}),
    "knowledge:article": Case(draft_article_targets, ("get",)),
    "knowledge:vote": Case(draft_article_targets, ("post",), {"helpful": "yes"}),
    "tickets:detail": Case(tracking_targets, ("get",)),
    "tickets:reply": Case(tracking_targets, ("get", "post"), {"body": "Broken again"}),
    "tickets:rate": Case(tracking_targets, ("get", "post"), {"rating": "1"}),
    # django.contrib.auth.urls has no namespace.
    "password_reset_confirm": Case(
        password_reset_targets, ("get", "post"), NEW_PASSWORD, is_invalid_reset_link
    ),
}


def database_state():
    """Return every row of every table except sessions, to compare before and after."""
    state = {}
    for model in apps.get_models():
        if model is Session:
            continue
        state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


def request(client, method, url, data):
    if method == "post":
        return client.post(url, data)
    return client.get(url)


def test_walk_finds_known_urls():
    names = {pattern.name for pattern in OBJECT_PATTERNS}

    assert {"chat:rate", "tickets:detail", "knowledge:vote"} <= names


@pytest.mark.parametrize("pattern", OBJECT_PATTERNS, ids=lambda p: p.name)
def test_url_has_access_case(pattern):
    assert pattern.name in CASES, (
        f"{pattern.route} ({pattern.name}) takes {', '.join(pattern.parameters)} "
        "but has no access case: add one to CASES in this module."
    )


@pytest.mark.parametrize("visitor", OTHER_VISITORS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_other_visitor_is_rejected(world, name, visitor):
    case = CASES[name]
    targets = case.targets(world)
    client = world.clients[visitor]
    before = database_state()

    for target in targets:
        url = reverse(name, kwargs=target.kwargs)
        for method in case.methods:
            response = request(client, method, url, case.data)

            assert case.rejected(response), f"{method.upper()} {url} as {visitor}"

    assert database_state() == before


def owner_params():
    # The stream view is async: on PostgreSQL it needs a real transaction,
    # because it reads the database from another thread.
    for name in sorted(CASES):
        marks = []
        if name == "chat:stream":
            marks = [pytest.mark.django_db(transaction=True)]
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(owner_params()))
def test_owner_reaches_url(world, name):
    case = CASES[name]

    for target in case.targets(world):
        url = reverse(name, kwargs=target.owner_url_kwargs)
        if target.owner_kwargs is None and case.rejected is is_invalid_reset_link:
            continue  # No owner can use a token that was never issued.
        client = world.clients[target.owner]
        for method in case.methods:
            response = request(client, method, url, case.data)
            if hasattr(response, "streaming_content"):
                response.close()

            assert response.status_code < 400, f"{method.upper()} {url}"
            assert not case.rejected(response), f"{method.upper()} {url}"


def test_another_employees_vote_leaves_owner_vote(world):
    article = ArticleFactory()
    url = reverse("knowledge:vote", args=[article.pk])
    world.clients["employee"].post(url, {"helpful": "yes"})

    world.clients["other_employee"].post(url, {"helpful": "no"})
    world.clients["other_session"].post(url, {"helpful": "no"})

    assert Vote.objects.get(article=article, user=world.owner).helpful is True
    assert Vote.objects.filter(article=article).count() == 3


@pytest.mark.parametrize("visitor", OTHER_VISITORS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_ticket_form_rejects_other_conversation(world, visitor, method):
    conversation = ConversationFactory(user=world.owner, session_key="")
    MessageFactory(conversation=conversation)
    url = f"{reverse('tickets:create')}?conversation={conversation.public_id}"
    data = {
        "requester_name": "Boris",
        "requester_email": "boris@example.com",
        "subject": "Attach to someone else's chat",
        "description": "Trying to read another conversation.",
    }
    before = database_state()

    response = request(world.clients[visitor], method, url, data)

    assert response.status_code == 404
    assert database_state() == before


def test_my_tickets_lists_only_own(world):
    TicketFactory(user=world.owner, subject="Anna's printer")

    response = world.clients["other_employee"].get(reverse("tickets:mine"))

    assert response.status_code == 200
    assert "Anna&#x27;s printer" not in response.text
    assert "Anna's printer" not in response.text


def admin_value(pattern, parameter, objects):
    """Return a value for a path parameter of an admin URL."""
    if parameter == "object_id":
        app_label, model_name = pattern.route.split("/")[1:3]
        if app_label == "r":
            return str(objects.ticket.pk)
        model = apps.get_model(app_label, model_name)
        instance = model._default_manager.order_by("pk").first()
        return str(instance.pk) if instance else "1"
    return {
        "content_type_id": str(ContentType.objects.get_for_model(Ticket).pk),
        "id": str(objects.owner.pk),
        "app_label": "tickets",
        "url": "tickets/no-such-page/",
    }[parameter]


def admin_path(pattern, objects):
    """Fill in the parameters of an admin URL pattern, regex ones included."""
    path = "/" + pattern.route
    for parameter in pattern.parameters:
        value = admin_value(pattern, parameter, objects)
        if pattern.is_regex:
            path = re.sub(rf"\(\?P<{parameter}>[^)]*\)", value, path)
        else:
            path = re.sub(rf"<(\w+:)?{parameter}>", value, path)
    return path.replace("^", "").replace("$", "")


ADMIN_PUBLIC = {"admin:login"}


@pytest.mark.parametrize("visitor", ["employee", "anonymous"])
@pytest.mark.parametrize(
    "pattern",
    [p for p in ADMIN_PATTERNS if p.name not in ADMIN_PUBLIC],
    ids=lambda p: p.route,
)
def test_admin_rejects_non_staff(world, pattern, visitor):
    ticket = TicketFactory(user=world.owner)
    CommentFactory(ticket=ticket)
    ArticleFactory()
    ConversationFactory(user=world.owner)
    objects = SimpleNamespace(ticket=ticket, owner=world.owner)
    path = admin_path(pattern, objects)
    # The resolver drops the "^" of an included regex in the route it reports.
    assert resolve(path).route == pattern.route.replace("^", "")
    client = world.clients[visitor]
    admin_login = reverse("admin:login")
    before = database_state()

    for method in ["get", "post"]:
        response = request(client, method, path, {"status": "closed"})

        location = response.get("Location", "")
        rejected = response.status_code == 404 or (
            response.status_code == 302
            and (
                location.startswith(admin_login)
                or location == reverse("admin:index")
                and pattern.name == "admin:logout"
            )
        )
        assert rejected, f"{method.upper()} {path} as {visitor}: {response.status_code}"

    assert database_state() == before


def view_on_site_url(ticket):
    content_type = ContentType.objects.get_for_model(Ticket)
    return reverse("admin:view_on_site", args=[content_type.pk, ticket.pk])


def test_view_on_site_rejects_staff_without_ticket_access(client):
    editor = StaffFactory(username="editor", is_superuser=False)
    editor.user_permissions.add(Permission.objects.get(codename="change_article"))
    client.force_login(editor)
    ticket = TicketFactory()

    response = client.get(view_on_site_url(ticket))

    assert response.status_code == 403
    assert ticket.tracking_token not in response.get("Location", "")


def test_view_on_site_redirects_staff_with_ticket_access(client):
    viewer = StaffFactory(username="viewer", is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(viewer)
    ticket = TicketFactory()

    response = client.get(view_on_site_url(ticket))

    assert response.status_code == 302
    assert response["Location"].endswith(ticket.get_absolute_url())


def test_view_on_site_unknown_content_type_is_404(world):
    staff_client = world.clients["staff"]

    response = staff_client.get(reverse("admin:view_on_site", args=[999999, 1]))

    assert response.status_code == 404
