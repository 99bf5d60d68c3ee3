"""The rendered HTML that a finished assistant reply stores with its text."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from chat.tests.replies import answer
from knowledge.markdown import render_markdown

pytestmark = pytest.mark.django_db

REPLY = "1. Open **Settings**\n2. Click [reset](https://portal.example.com/reset)"


def make_reply(**fields):
    fields = {"role": Message.Role.ASSISTANT, "text": REPLY, **fields}
    return MessageFactory(**fields)


def test_finished_reply_stores_rendered_html():
    reply = make_reply()

    reply.refresh_from_db()
    assert reply.text_html == render_markdown(REPLY)
    assert "<strong>Settings</strong>" in reply.text_html


def test_stored_html_is_sanitized():
    reply = make_reply(text="Hello <script>alert(1)</script>")

    assert "<script>" not in reply.text_html
    assert reply.text_html == render_markdown(reply.text)


def test_generated_reply_stores_html(vpn_article):
    reply, _streamed = answer("VPN does not connect")

    assert reply.status == Message.Status.COMPLETE
    assert reply.text_html == render_markdown(reply.text)


def test_new_text_refreshes_html():
    reply = make_reply()

    reply.text = "Restart the **VPN** client."
    reply.save()

    reply.refresh_from_db()
    assert reply.text_html == render_markdown("Restart the **VPN** client.")


def test_new_text_in_update_fields_refreshes_html():
    reply = make_reply()

    reply.text = "Call *IT*."
    reply.save(update_fields=["text"])

    reply.refresh_from_db()
    assert reply.text_html == render_markdown("Call *IT*.")


def test_other_update_fields_keep_html():
    reply = make_reply()
    Message.objects.filter(pk=reply.pk).update(text_html="<p>kept</p>")
    reply.refresh_from_db()

    reply.helpful = True
    reply.save(update_fields=["helpful", "updated_at"])

    reply.refresh_from_db()
    assert reply.text_html == "<p>kept</p>"


def test_unfinished_reply_stores_no_html():
    reply = make_reply(status=Message.Status.STREAMING)

    assert reply.text_html == ""


def test_finishing_reply_stores_html():
    reply = make_reply(status=Message.Status.STREAMING)

    reply.status = Message.Status.COMPLETE
    reply.save(update_fields=["status"])

    reply.refresh_from_db()
    assert reply.text_html == render_markdown(REPLY)


def test_employee_message_stores_no_html():
    question = MessageFactory(text="**VPN** does not connect")

    assert question.text_html == ""


def test_html_renders_reply_without_stored_html():
    # A reply finished before text_html existed has it empty.
    reply = make_reply(status=Message.Status.STREAMING)
    Message.objects.filter(pk=reply.pk).update(status=Message.Status.INTERRUPTED)

    reply.refresh_from_db()

    assert reply.text_html == ""
    assert reply.html == render_markdown(REPLY)


def test_page_shows_html_of_interrupted_reply(visitor, session_key):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation)
    reply = make_reply(conversation=conversation, status=Message.Status.STREAMING)
    Message.objects.filter(pk=reply.pk).update(status=Message.Status.INTERRUPTED)
    session = visitor.session
    session["conversation_id"] = str(conversation.public_id)
    session.save()

    response = visitor.get(reverse("chat:page"))

    assert render_markdown(REPLY) in response.text


def test_page_shows_stored_html(visitor, session_key):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation)
    reply = make_reply(conversation=conversation)
    # A marker that rendering the text again could not produce.
    Message.objects.filter(pk=reply.pk).update(text_html="<p>stored copy</p>")
    session = visitor.session
    session["conversation_id"] = str(conversation.public_id)
    session.save()

    response = visitor.get(reverse("chat:page"))

    assert "<p>stored copy</p>" in response.text
    assert "<strong>Settings</strong>" not in response.text


def test_migration_rerenders_stale_html():
    migration = importlib.import_module(
        "chat.migrations.0004_rerender_deeply_nested_replies"
    )
    deep = "> " * 25 + "Restart the router"
    stale = make_reply(text=deep)
    current = make_reply()
    # The HTML that the old rendering stored: the quotes without the text.
    Message.objects.filter(pk=stale.pk).update(text_html="<blockquote></blockquote>")

    migration.rerender(apps, schema_editor=None)

    stale.refresh_from_db()
    current.refresh_from_db()
    assert stale.text_html == render_markdown(deep)
    assert "Restart the router" in stale.text_html
    assert current.text_html == render_markdown(REPLY)
