"""The chat page and a reply run a fixed number of queries however big the tables.

Each test counts queries once with a few rows and again after bulk-creating
2,000 tickets, 1,000 indexed articles that match the question and 1,000
messages of other conversations. These sizes keep the tests fast. The
property checked, a query count that does not grow with the tables, is what
lets the same code serve 100,000 tickets and 10,000 articles.
"""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat.assistant import generate_reply
from chat.models import Conversation, Message
from chat.tests.factories import ConversationFactory, MessageFactory
from chat.tests.test_stream_reply import call_stream
from knowledge.models import Article
from knowledge.signals import reindex_articles
from tickets.models import Ticket

QUESTION = "VPN does not connect from home"


def add_many_rows(category):
    """Bulk-create tickets, matching articles and other visitors' messages."""
    Ticket.objects.bulk_create(
        Ticket(
            subject=f"VPN drops every hour on laptop {number}",
            description="The VPN client disconnects and does not connect again.",
            requester_name="Anna Petrova",
            requester_email=f"anna{number}@example.com",
        )
        for number in range(2_000)
    )
    articles = Article.objects.bulk_create(
        Article(
            category=category,
            title=f"VPN does not connect on network {number}",
            problem="The VPN client shows an error and does not connect from home.",
            solution="1. Restart the VPN client.\n2. Call IT.",
            keywords="vpn, remote access",
            language=Article.Language.ENGLISH,
        )
        for number in range(1_000)
    )
    # bulk_create sends no post_save, so the search index is filled here.
    reindex_articles(
        Article.objects.filter(pk__in=[article.pk for article in articles])
    )

    conversations = Conversation.objects.bulk_create(
        Conversation(session_key=f"other{number:035d}") for number in range(500)
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, role=role, text=QUESTION)
        for conversation in conversations
        for role in (Message.Role.EMPLOYEE, Message.Role.ASSISTANT)
    )


def make_exchange(session_key):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation, text=QUESTION)
    return MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="",
        status=Message.Status.PENDING,
    )


async def consume_reply(message):
    async for _chunk in generate_reply(message):
        pass


def count_reply_queries(session_key):
    """Generate a reply in this thread and return the queries it ran.

    async_to_sync runs the sync_to_async steps of generate_reply back in
    this thread, so they all use the connection that the context captures.
    """
    reply = make_exchange(session_key)
    with CaptureQueriesContext(connection) as context:
        async_to_sync(consume_reply)(reply)
    reply.refresh_from_db()
    assert reply.status == Message.Status.COMPLETE
    return len(context.captured_queries)


class QueryCounter:
    """Count the queries of every connection opened while it is active.

    The ASGI handler runs each request's database work in a thread of its
    own, on a connection of that thread, which CaptureQueriesContext on
    the test thread does not see.
    """

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self.lock:
            self.count += 1
        return execute(sql, params, many, context)

    def watch(self, sender, connection, **kwargs):
        connection.execute_wrappers.append(self)

    def __enter__(self):
        connection_created.connect(self.watch)
        return self

    def __exit__(self, *exc_info):
        connection_created.disconnect(self.watch)


@pytest.mark.django_db
def test_page_queries_do_not_grow_with_tables(
    visitor, session_key, vpn_article, django_assert_num_queries
):
    conversation = ConversationFactory(session_key=session_key)
    MessageFactory(conversation=conversation, text=QUESTION)
    reply = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="Restart the VPN client.",
        confidence=0.9,
    )
    reply.cited_articles.add(vpn_article)
    session = visitor.session
    session["conversation_id"] = str(conversation.public_id)
    session.save()
    # The first load caches the category list, which later loads reuse.
    visitor.get(reverse("chat:page"))
    with CaptureQueriesContext(connection) as few:
        response = visitor.get(reverse("chat:page"))
    assert response.status_code == 200

    add_many_rows(vpn_article.category)

    with django_assert_num_queries(len(few.captured_queries)):
        response = visitor.get(reverse("chat:page"))
    assert response.status_code == 200
    assert "Restart the VPN client." in response.text


@pytest.mark.django_db
def test_reply_queries_do_not_grow_with_tables(session_key, vpn_article):
    few = count_reply_queries(session_key)

    add_many_rows(vpn_article.category)

    assert count_reply_queries(session_key) == few


@pytest.mark.django_db(transaction=True)
async def test_stream_queries_do_not_grow_with_tables(session_key, vpn_article):
    reply = await asyncio.to_thread(make_exchange, session_key)
    with QueryCounter() as few:
        result = await call_stream(reply, session_key)
    assert result["events"][-1][0] == "done"

    await asyncio.to_thread(add_many_rows, vpn_article.category)

    reply = await asyncio.to_thread(make_exchange, session_key)
    with QueryCounter() as many:
        result = await call_stream(reply, session_key)
    assert result["events"][-1][0] == "done"
    assert few.count > 0
    assert many.count == few.count
