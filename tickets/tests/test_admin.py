import html
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from knowledge.models import Article
from knowledge.tests.factories import ArticleFactory, CategoryFactory
from tickets import workflow
from tickets.models import Comment, Event, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
CHANGELIST = reverse("admin:tickets_ticket_changelist")
STATISTICS = reverse("admin:tickets_ticketstatistics_changelist")


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


# A hidden input of a field's loaded value, as Django renders it for
# show_hidden_initial. The value attribute is missing for an empty value.
HIDDEN_INITIAL_REGEX = re.compile(
    r'<input type="hidden" name="(initial-[^"]+)"(?: value="([^"]*)")?'
)


def change_form_data(response, **overrides):
    """Return the POST data of an admin change form as the browser sends it."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        data[name] = form[name].value()
    for name, value in HIDDEN_INITIAL_REGEX.findall(response.text):
        data[name] = html.unescape(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management_form = formset.management_form
        for name in management_form.fields:
            data[management_form.add_prefix(name)] = management_form[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                data[inline_form.add_prefix(name)] = inline_form[name].value()
    data.update(overrides)
    return {key: "" if value is None else value for key, value in data.items()}


def post_change(client, ticket, **overrides):
    response = client.get(change_url(ticket))
    return client.post(change_url(ticket), change_form_data(response, **overrides))


def page_urls():
    ticket = TicketFactory()
    return [
        CHANGELIST,
        change_url(ticket),
        reverse("admin:tickets_ticket_add"),
        STATISTICS,
    ]


def test_pages_load_for_staff(staff_client):
    for url in page_urls():
        response = staff_client.get(url)

        assert response.status_code == 200, url


def test_pages_redirect_non_staff(employee_client):
    for url in page_urls():
        response = employee_client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_changelist_query_count_is_fixed(staff_client, staff):
    category = CategoryFactory()

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries)

    TicketFactory.create_batch(5, category=category, assignee=staff)
    few = count_queries()
    TicketFactory.create_batch(45, category=category, assignee=staff)
    many = count_queries()

    assert few == many


def test_changelist_marks_overdue(staff_client):
    ticket = TicketFactory(priority=Ticket.Priority.URGENT)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=ticket.created_at.replace(year=2020)
    )

    response = staff_client.get(CHANGELIST)

    assert 'class="ticket-overdue"' in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("assignee=me", {"mine"}),
        ("assignee=none", {"unassigned", "old"}),
        ("overdue=yes", {"old"}),
        ("status=resolved", {"other"}),
    ],
)
def test_changelist_filters(staff_client, staff, other_staff, query, expected):
    TicketFactory(subject="mine", assignee=staff)
    TicketFactory(subject="unassigned")
    TicketFactory(subject="other", assignee=other_staff, status=Status.RESOLVED)
    old = TicketFactory(subject="old")
    Ticket.objects.filter(pk=old.pk).update(
        created_at=old.created_at.replace(year=2020)
    )

    response = staff_client.get(f"{CHANGELIST}?{query}")

    shown = {ticket.subject for ticket in response.context["cl"].result_list}
    assert shown == expected


@pytest.mark.parametrize("field", ["reference", "requester_email"])
def test_changelist_search(staff_client, field):
    wanted = TicketFactory(requester_email="boris@example.com")
    TicketFactory(requester_email="vera@example.com")

    response = staff_client.get(CHANGELIST, {"q": getattr(wanted, field)})

    assert list(response.context["cl"].result_list) == [wanted]


def test_add_form_creates_ticket_with_event(staff_client, staff):
    url = reverse("admin:tickets_ticket_add")
    response = staff_client.get(url)
    data = change_form_data(
        response,
        subject="New laptop for Boris",
        description="Starts on Monday.",
        requester_name="Boris",
        requester_email="boris@example.com",
    )

    response = staff_client.post(url, data)

    ticket = Ticket.objects.get()
    event = Event.objects.get(ticket=ticket)
    assert response.status_code == 302
    assert ticket.reference.startswith("HD-")
    assert event.new_value == Status.NEW
    assert event.actor == staff


def test_change_form_offers_allowed_statuses(staff_client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = staff_client.get(change_url(ticket))

    choices = response.context["adminform"].form.fields["status"].widget.choices
    assert {value for value, _ in choices} == {"resolved", "closed", "in_progress"}


def test_change_form_rejects_disallowed_status(staff_client):
    ticket = TicketFactory(status=Status.CLOSED)

    response = post_change(staff_client, ticket, status=Status.IN_PROGRESS)

    ticket.refresh_from_db()
    assert response.status_code == 200
    assert ticket.status == Status.CLOSED
    assert "cannot move from “Closed” to “In progress”" in response.text


def test_change_form_records_changes(staff_client, staff, other_staff):
    ticket = TicketFactory()

    response = post_change(
        staff_client,
        ticket,
        status=Status.IN_PROGRESS,
        priority=Ticket.Priority.HIGH,
        assignee=other_staff.pk,
    )

    assert response.status_code == 302
    events = Event.objects.filter(ticket=ticket)
    assert {event.field for event in events} == {"status", "priority", "assignee"}
    assert {event.actor for event in events} == {staff}


def test_staff_reply_sets_author_and_first_response(
    staff_client, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()

    with django_capture_on_commit_callbacks(execute=True):
        post_change(
            staff_client,
            ticket,
            **{
                "comments-0-kind": "staff_reply",
                "comments-0-body": "Try the other port.",
            },
        )

    comment = Comment.objects.get(ticket=ticket)
    ticket.refresh_from_db()
    assert comment.author == staff
    assert ticket.first_response_at == comment.created_at
    assert mail.outbox[0].to == [ticket.requester_email]


def test_internal_note_leaves_first_response_empty(staff_client):
    ticket = TicketFactory()

    post_change(
        staff_client,
        ticket,
        **{"comments-0-kind": "internal_note", "comments-0-body": "Same as HD-1."},
    )

    ticket.refresh_from_db()
    assert Comment.objects.get(ticket=ticket).kind == Comment.Kind.INTERNAL_NOTE
    assert ticket.first_response_at is None


def test_change_form_shows_transcript(staff_client):
    article = ArticleFactory(title="VPN does not connect")
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, text="My VPN is broken")
    answer = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="**Restart** the client.",
        confidence=0.42,
        confidence_reason="Based on 'VPN does not connect'",
        handoff=Message.Handoff.LOW_CONFIDENCE,
    )
    answer.cited_articles.add(article)
    ticket = TicketFactory(conversation=conversation)

    response = staff_client.get(change_url(ticket))

    assert "My VPN is broken" in response.text
    assert "<strong>Restart</strong> the client." in response.text
    assert "0.42" in response.text
    assert "Low confidence" in response.text
    assert reverse("admin:knowledge_article_change", args=[article.pk]) in response.text


def run_action(client, action, tickets):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [ticket.pk for ticket in tickets]},
        follow=True,
    )


def test_assign_to_me_action(staff_client, staff):
    tickets = TicketFactory.create_batch(2)

    run_action(staff_client, "assign_to_me", tickets)

    assert Ticket.objects.filter(assignee=staff).count() == 2
    assert Event.objects.filter(field="assignee", actor=staff).count() == 2


def test_status_action_skips_disallowed(staff_client):
    open_ticket = TicketFactory(status=Status.WAITING)
    closed_ticket = TicketFactory(status=Status.CLOSED)

    response = run_action(
        staff_client, "mark_in_progress", [open_ticket, closed_ticket]
    )

    open_ticket.refresh_from_db()
    closed_ticket.refresh_from_db()
    assert open_ticket.status == Status.IN_PROGRESS
    assert closed_ticket.status == Status.CLOSED
    assert f"Not changed: {closed_ticket.reference}" in response.text


def article_url(ticket):
    return reverse("admin:tickets_ticket_article", args=[ticket.pk])


def test_resolved_ticket_offers_article_button(staff_client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = staff_client.get(change_url(ticket))

    assert article_url(ticket) in response.text


def test_open_ticket_has_no_article_button(staff_client):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    response = staff_client.get(change_url(ticket))

    assert article_url(ticket) not in response.text


def test_turn_into_article_creates_draft(staff_client):
    category = CategoryFactory()
    ticket = TicketFactory(
        status=Status.RESOLVED,
        category=category,
        subject="Outlook asks for the password again and again",
        description="Every few minutes a password window pops up.",
    )
    Comment.objects.create(
        ticket=ticket, kind="staff_reply", body="Remove the old credentials."
    )
    Comment.objects.create(
        ticket=ticket, kind="internal_note", body="Third case this week."
    )

    response = staff_client.post(article_url(ticket))

    article = category.articles.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:knowledge_article_change", args=[article.pk]
    )
    assert article.is_published is False
    assert article.title == ticket.subject
    assert article.problem == ticket.description
    assert article.solution == "Remove the old credentials."


def test_turn_into_article_twice_keeps_one_draft(staff_client):
    category = CategoryFactory()
    ticket = TicketFactory(status=Status.RESOLVED, category=category)
    staff_client.post(article_url(ticket))

    response = staff_client.post(article_url(ticket), follow=True)

    article = category.articles.get()
    assert "already has this unpublished draft article" in response.text
    assert response.redirect_chain[-1][0] == reverse(
        "admin:knowledge_article_change", args=[article.pk]
    )


def test_turn_into_article_needs_category(staff_client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = staff_client.post(article_url(ticket), follow=True)

    assert "category first" in response.text
    assert not Article.objects.exists()


def test_turn_into_article_needs_post(staff_client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = staff_client.get(article_url(ticket))

    assert response.status_code == 405


CLOSED_ERROR = "This ticket is closed and takes no more replies or internal notes."


@pytest.mark.parametrize("kind", ["staff_reply", "internal_note"])
def test_comment_on_closed_ticket_rejected(staff_client, kind):
    ticket = TicketFactory(status=Status.CLOSED)
    response = staff_client.get(change_url(ticket))
    data = change_form_data(response)
    data.update(
        {
            "comments-TOTAL_FORMS": "1",
            "comments-0-kind": kind,
            "comments-0-body": "Printer replaced <today>.",
        }
    )

    response = staff_client.post(change_url(ticket), data)

    assert response.status_code == 200
    assert not Comment.objects.filter(ticket=ticket).exists()
    [comment_form] = response.context["inline_admin_formsets"][0].formset.forms
    assert CLOSED_ERROR in comment_form.errors["body"][0]
    assert "Printer replaced &lt;today&gt;.</textarea>" in response.text
    assert mail.outbox == []


def test_closed_ticket_has_no_empty_reply_row(staff_client):
    ticket = TicketFactory(status=Status.CLOSED)

    response = staff_client.get(change_url(ticket))

    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms == []


def test_closed_ticket_keeps_other_edits_possible(staff_client):
    ticket = TicketFactory(status=Status.CLOSED)

    response = post_change(staff_client, ticket, priority="high")

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.priority == "high"


def test_closing_with_last_reply_allowed(staff_client):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    post_change(
        staff_client,
        ticket,
        status="closed",
        **{"comments-0-kind": "staff_reply", "comments-0-body": "Closing, bye."},
    )

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert Comment.objects.get(ticket=ticket).body == "Closing, bye."


def test_comment_body_has_maxlength(staff_client):
    ticket = TicketFactory()

    response = staff_client.get(change_url(ticket))

    limit = Comment._meta.get_field("body").max_length
    assert f'maxlength="{limit}"' in response.text


def test_overlong_staff_reply_rejected_and_kept(staff_client):
    ticket = TicketFactory()
    body = "r" * (Comment._meta.get_field("body").max_length + 1)

    response = post_change(
        staff_client,
        ticket,
        **{"comments-0-kind": "staff_reply", "comments-0-body": body},
    )

    assert response.status_code == 200
    assert not Comment.objects.filter(ticket=ticket).exists()
    [comment_form] = response.context["inline_admin_formsets"][0].formset.forms
    assert comment_form.errors["body"]
    assert f"\n{body}</textarea>" in response.text


def test_staff_reply_stores_line_breaks_as_newlines(staff_client):
    ticket = TicketFactory()

    post_change(
        staff_client,
        ticket,
        **{"comments-0-kind": "staff_reply", "comments-0-body": "One\r\nTwo"},
    )

    assert Comment.objects.get(ticket=ticket).body == "One\nTwo"


def employee_reply(ticket, body="It is the left one."):
    """Post a reply on the ticket's tracking page, as the employee does."""
    url = reverse("tickets:reply", args=[ticket.tracking_token])
    response = Client().post(url, {"body": body})
    assert response.status_code == 302


def test_change_form_sends_loaded_values(staff_client):
    ticket = TicketFactory(status=Status.WAITING)

    response = staff_client.get(change_url(ticket))

    assert '<input type="hidden" name="initial-status" value="waiting"' in (
        response.text
    )


@pytest.mark.parametrize("loaded_status", [Status.WAITING, Status.RESOLVED])
def test_stale_form_keeps_employee_reopen(
    staff_client, staff, django_capture_on_commit_callbacks, loaded_status
):
    ticket = TicketFactory(status=loaded_status)
    page = staff_client.get(change_url(ticket))
    employee_reply(ticket)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            change_url(ticket), change_form_data(page, priority="high")
        )

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.priority == Ticket.Priority.HIGH
    assert not ticket.events.filter(field="status", actor=staff).exists()
    assert mail.outbox == []


def test_stale_status_change_rejected_and_kept(staff_client):
    ticket = TicketFactory(status=Status.WAITING)
    page = staff_client.get(change_url(ticket))
    employee_reply(ticket)

    response = staff_client.post(
        change_url(ticket),
        change_form_data(
            page,
            status=Status.RESOLVED,
            priority="high",
            **{"comments-0-kind": "staff_reply", "comments-0-body": "Fixed <it>."},
        ),
    )

    ticket.refresh_from_db()
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["status"]
    assert "changed to “In progress” after you opened this page" in error
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.priority == Ticket.Priority.NORMAL
    assert not ticket.comments.filter(kind=Comment.Kind.STAFF_REPLY).exists()
    assert "Fixed &lt;it&gt;.</textarea>" in response.text
    assert '<option value="high" selected>' in response.text


def test_rejected_stale_form_shows_new_reply(staff_client):
    ticket = TicketFactory(status=Status.WAITING)
    page = staff_client.get(change_url(ticket))
    employee_reply(ticket, "The left one <monitor>.")

    response = staff_client.post(
        change_url(ticket), change_form_data(page, status=Status.RESOLVED)
    )

    [comment] = response.context["comments_added_meanwhile"]
    assert comment.body == "The left one <monitor>."
    assert "<p>The left one &lt;monitor&gt;.</p>" in response.text


def test_stale_status_saved_on_second_try(staff_client):
    ticket = TicketFactory(status=Status.WAITING)
    page = staff_client.get(change_url(ticket))
    employee_reply(ticket)
    rejected = staff_client.post(
        change_url(ticket), change_form_data(page, status=Status.RESOLVED)
    )

    response = staff_client.post(change_url(ticket), change_form_data(rejected))

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.status == Status.RESOLVED


def test_stale_form_keeps_other_assignee(
    staff_client, staff, other_staff, request_as, django_capture_on_commit_callbacks
):
    ticket = TicketFactory()
    page = staff_client.get(change_url(ticket))
    workflow.update_ticket(request_as(other_staff), ticket, assignee=other_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            change_url(ticket), change_form_data(page, priority="high")
        )

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.assignee == other_staff
    assert ticket.events.filter(field="assignee").count() == 1
    assert mail.outbox == []


def test_stale_assignee_change_rejected(staff_client, staff, other_staff, request_as):
    ticket = TicketFactory()
    page = staff_client.get(change_url(ticket))
    workflow.update_ticket(request_as(other_staff), ticket, assignee=other_staff)

    response = staff_client.post(
        change_url(ticket), change_form_data(page, assignee=staff.pk)
    )

    ticket.refresh_from_db()
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["assignee"]
    assert "This field changed to “ivan” after you opened this page" in error
    assert ticket.assignee == other_staff


def test_stale_form_keeps_corrected_email(staff_client):
    ticket = TicketFactory(description="Line one\nLine two")
    page = staff_client.get(change_url(ticket))
    Ticket.objects.filter(pk=ticket.pk).update(requester_email="anna.p@example.com")

    response = staff_client.post(
        change_url(ticket), change_form_data(page, subject="Printer offline")
    )

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.requester_email == "anna.p@example.com"
    assert ticket.subject == "Printer offline"
    assert ticket.description == "Line one\nLine two"


def test_same_change_by_both_saved(staff_client, staff, request_as):
    ticket = TicketFactory()
    page = staff_client.get(change_url(ticket))
    workflow.update_ticket(request_as(staff), ticket, priority="high")

    response = staff_client.post(
        change_url(ticket), change_form_data(page, priority="high")
    )

    assert response.status_code == 302


def test_form_without_loaded_values_saves_posted(staff_client):
    ticket = TicketFactory(status=Status.WAITING)
    page = staff_client.get(change_url(ticket))
    data = {
        key: value
        for key, value in change_form_data(page, priority="high").items()
        if not key.startswith("initial-")
    }

    response = staff_client.post(change_url(ticket), data)

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.priority == Ticket.Priority.HIGH


def test_change_form_locks_ticket_row(staff_client):
    if not connection.features.has_select_for_update:
        pytest.skip("the database has no row locks")
    ticket = TicketFactory()
    page = staff_client.get(change_url(ticket))

    with CaptureQueriesContext(connection) as queries:
        staff_client.post(change_url(ticket), change_form_data(page))

    ticket_queries = [
        query["sql"] for query in queries if '"tickets_ticket"' in query["sql"]
    ]
    assert "FOR UPDATE" in ticket_queries[0]


def test_changelist_search_by_requester_name(staff_client):
    match = TicketFactory(requester_name="Boris Volkov")
    TicketFactory(requester_name="Vera Orlova")

    response = staff_client.get(CHANGELIST, {"q": "volkov"})

    assert list(response.context["cl"].result_list) == [match]


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Не горят ёлки на экране", "елки"),
        ("Не горят елки на экране", "ёлки"),
    ],
)
def test_changelist_search_treats_yo_as_ye(staff_client, stored, query):
    match = TicketFactory(subject=stored)
    TicketFactory(subject="Не горят лампы")

    response = staff_client.get(CHANGELIST, {"q": query})

    assert list(response.context["cl"].result_list) == [match]


def test_changelist_search_name_with_yo(staff_client):
    match = TicketFactory(requester_name="Пётр Семёнов")
    TicketFactory(requester_name="Пётр Орлов")

    response = staff_client.get(CHANGELIST, {"q": "Семенов"})

    assert list(response.context["cl"].result_list) == [match]


def test_changelist_shows_requester(staff_client):
    TicketFactory(requester_name="Boris Volkov")

    response = staff_client.get(CHANGELIST)

    assert '<td class="field-requester">Boris Volkov</td>' in response.text


def add_form_data(client, **overrides):
    response = client.get(reverse("admin:tickets_ticket_add"))
    values = {
        "subject": "Outlook asks for the password",
        "description": "Fixed on the phone.",
        "requester_name": "Boris",
        "requester_email": "boris@example.com",
        **overrides,
    }
    return change_form_data(response, **values)


def test_add_form_resolved_ticket_complete(
    staff_client, django_capture_on_commit_callbacks
):
    data = add_form_data(staff_client, status=Status.RESOLVED)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:tickets_ticket_add"), data)

    ticket = Ticket.objects.get()
    [message] = mail.outbox
    assert ticket.resolved_at == ticket.created_at
    assert message.to == ["boris@example.com"]
    assert message.subject == f"[{ticket.reference}] Ticket resolved: {ticket.subject}"
    assert "recorded your request as ticket" in message.body
    assert "will reply" not in message.body
    assert "Please rate the help you got." in message.body


def test_add_form_resolved_with_reply_sends_one_mail(
    staff_client, django_capture_on_commit_callbacks
):
    data = add_form_data(
        staff_client,
        status=Status.RESOLVED,
        **{
            "comments-0-kind": "staff_reply",
            "comments-0-body": "Remove the old credentials <saved>.",
        },
    )

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:tickets_ticket_add"), data)

    [message] = mail.outbox
    assert "Ticket resolved" in message.subject
    assert "Remove the old credentials <saved>." in message.body


def test_add_form_language_defaults_to_staff_page(staff_client):
    response = staff_client.get(
        reverse("admin:tickets_ticket_add"), HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.context["adminform"].form["language"].value() == "ru"


def test_add_form_language_sets_mail_language(
    staff_client, django_capture_on_commit_callbacks
):
    data = add_form_data(staff_client, status=Status.RESOLVED, language="ru")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:tickets_ticket_add"), data)

    ticket = Ticket.objects.get()
    [message] = mail.outbox
    assert ticket.language == "ru"
    assert message.subject.startswith(f"[{ticket.reference}] Заявка решена:")


def test_change_form_sets_language(staff_client):
    ticket = TicketFactory(language="")

    response = post_change(staff_client, ticket, language="ru")

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.language == "ru"


def test_change_form_keeps_empty_language(staff_client):
    ticket = TicketFactory(language="")

    response = post_change(staff_client, ticket, priority="high")

    ticket.refresh_from_db()
    assert response.status_code == 302
    assert ticket.language == ""


def test_reply_with_resolution_sends_one_mail(
    staff_client, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(
            staff_client,
            ticket,
            status=Status.RESOLVED,
            **{
                "comments-0-kind": "staff_reply",
                "comments-0-body": "Remove the old credentials.",
            },
        )

    [message] = mail.outbox
    assert message.subject == f"[{ticket.reference}] Ticket resolved: {ticket.subject}"
    assert (
        "has been resolved.\n\nIT staff wrote:\n\nRemove the old credentials.\n\n"
        "Subject:"
    ) in message.body
    assert "Please rate the help you got." in message.body


def test_reply_without_status_change_mailed_alone(
    staff_client, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(
            staff_client,
            ticket,
            priority="high",
            **{"comments-0-kind": "staff_reply", "comments-0-body": "On my way."},
        )

    [message] = mail.outbox
    assert "IT staff replied" in message.subject
    assert "On my way." in message.body


def test_internal_note_stays_out_of_resolution_mail(
    staff_client, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(
            staff_client,
            ticket,
            status=Status.RESOLVED,
            **{"comments-0-kind": "internal_note", "comments-0-body": "Third time."},
        )

    [message] = mail.outbox
    assert "Ticket resolved" in message.subject
    assert "Third time." not in message.body


def test_closed_ticket_offers_no_add_link(staff_client):
    ticket = TicketFactory(status=Status.CLOSED)
    Comment.objects.create(ticket=ticket, kind="staff_reply", body="Done.")

    response = staff_client.get(change_url(ticket))

    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.max_num == 0
    assert 'name="comments-MAX_NUM_FORMS" value="0"' in response.text


def test_open_ticket_offers_add_link(staff_client):
    ticket = TicketFactory(status=Status.RESOLVED)

    response = staff_client.get(change_url(ticket))

    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.max_num > 0


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.WAITING])
def test_closing_unresolved_ticket_mails_employee(
    staff_client, django_capture_on_commit_callbacks, status
):
    ticket = TicketFactory(status=status)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(staff_client, ticket, status=Status.CLOSED)

    [message] = mail.outbox
    assert message.to == [ticket.requester_email]
    assert message.subject == f"[{ticket.reference}] Ticket closed: {ticket.subject}"
    assert "takes no more replies.\n\nSubject:" in message.body
    assert "create a new ticket" in message.body
    assert "http://testserver/tickets/new/" in message.body


def test_closing_resolved_ticket_sends_nothing(
    staff_client, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.RESOLVED)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(staff_client, ticket, status=Status.CLOSED)

    assert mail.outbox == []


def test_closing_with_last_reply_sends_one_mail(
    staff_client, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(status=Status.RESOLVED)

    with django_capture_on_commit_callbacks(execute=True):
        post_change(
            staff_client,
            ticket,
            status=Status.CLOSED,
            **{"comments-0-kind": "staff_reply", "comments-0-body": "Closing, bye."},
        )

    [message] = mail.outbox
    assert "Ticket closed" in message.subject
    assert "Closing, bye." in message.body
