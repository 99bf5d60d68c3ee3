"""The sources under a reply, most relevant first, as stored and as shown."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from chat.assistant import save_final
from chat.models import Citation, Message, sources_prefetch
from chat.responders import Assessment
from chat.stream import render_final
from chat.tests.factories import ConversationFactory, MessageFactory
from chat.tests.replies import answer
from knowledge.search import SearchHit
from knowledge.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SOURCE_REGEX = re.compile(r'<div class="sources">.*?</div>', re.DOTALL)
TITLE_REGEX = re.compile(r'rel="noopener">([^<]+)</a>')

QUESTION = "VPN client does not connect from home"


@pytest.fixture
def vpn_articles(vpn_article):
    """Return three VPN articles, ranked for QUESTION unlike their title order."""
    home = ArticleFactory(
        category=vpn_article.category,
        language="en",
        title="Connect the VPN client at home",
        problem="How to connect the VPN client from home for the first time.",
        solution="1. Open the VPN client.",
        keywords="vpn, home",
    )
    update = ArticleFactory(
        category=vpn_article.category,
        language="en",
        title="After an update the VPN client does not connect",
        problem="Since the last update the VPN client shows an error and does "
        "not connect.",
        solution="1. Reinstall the VPN client.",
        keywords="vpn, update",
    )
    return [home, vpn_article, update]


def source_titles(html):
    """Return the titles of the sources list in ``html``, in page order."""
    block = SOURCE_REGEX.search(html)
    assert block is not None, "the reply shows no sources"
    return TITLE_REGEX.findall(block.group(0))


def titles(articles):
    return [article.title for article in articles]


def test_reply_stores_sources_by_relevance(vpn_articles):
    reply, _streamed = answer(QUESTION)

    reply = Message.objects.get(pk=reply.pk)
    assert reply.sources == vpn_articles
    positions = list(
        Citation.objects.filter(message=reply).values_list("article", "position")
    )
    assert positions == [(article.pk, i) for i, article in enumerate(vpn_articles)]


def test_page_lists_sources_by_relevance(visitor, vpn_articles):
    visitor.post(reverse("chat:post_message"), {"text": QUESTION})

    first = visitor.get(reverse("chat:page")).content.decode()
    again = visitor.get(reverse("chat:page")).content.decode()

    assert source_titles(first) == titles(vpn_articles)
    assert source_titles(again) == titles(vpn_articles)


def test_finished_stream_lists_sources_by_relevance(vpn_articles):
    reply, _streamed = answer(QUESTION)

    html = render_final(reply, RequestFactory().get("/"))

    assert source_titles(html) == titles(vpn_articles)


def test_claude_citation_order_is_kept(vpn_articles):
    """The order that the model reports wins over the search order."""
    home, vpn, update = vpn_articles
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, text=QUESTION)
    reply = MessageFactory(
        conversation=conversation, role=Message.Role.ASSISTANT, text=""
    )
    hits = [
        SearchHit(article=article, score=score, matched_terms=["vpn"])
        for article, score in [(home, 1.0), (vpn, 0.9), (update, 0.7)]
    ]
    assessment = Assessment(
        confidence=0.9, reason="", cited_article_ids=[update.pk, home.pk]
    )

    save_final(reply, "", assessment, QUESTION, hits, "en")

    assert Message.objects.get(pk=reply.pk).sources == [update, home]


def test_citing_again_replaces_order(vpn_articles):
    home, vpn, update = vpn_articles
    reply = MessageFactory(role=Message.Role.ASSISTANT)

    reply.set_citations([vpn.pk, home.pk])
    reply.set_citations([update.pk, vpn.pk])

    assert Message.objects.get(pk=reply.pk).sources == [update, vpn]


def test_shared_article_keeps_each_order(vpn_articles):
    home, vpn, update = vpn_articles
    first = MessageFactory(role=Message.Role.ASSISTANT)
    second = MessageFactory(role=Message.Role.ASSISTANT)
    first.set_citations([home.pk, vpn.pk])
    second.set_citations([vpn.pk, update.pk, home.pk])

    replies = list(
        Message.objects.filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
        .prefetch_related(sources_prefetch())
    )

    assert replies[0].sources == [home, vpn]
    assert replies[1].sources == [vpn, update, home]
    assert Message.objects.get(pk=first.pk).sources == [home, vpn]
    assert Message.objects.get(pk=second.pk).sources == [vpn, update, home]


def test_unpublished_source_is_named_without_link(visitor, vpn_articles):
    visitor.post(reverse("chat:post_message"), {"text": QUESTION})
    withdrawn = vpn_articles[0]
    withdrawn.is_published = False
    withdrawn.save()

    page = visitor.get(reverse("chat:page")).content.decode()

    assert withdrawn.get_absolute_url() not in page
    assert f'{withdrawn.title} <span class="source-note">(no longer published)' in page
    assert vpn_articles[1].get_absolute_url() in page
