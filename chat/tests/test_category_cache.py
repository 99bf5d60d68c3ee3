"""The message form's category select, shown from a cached category list."""

import pytest
from django.urls import reverse

from chat.forms import MessageForm
from chat.models import Conversation
from chat.tests.factories import ConversationFactory
from knowledge.models import Category
from knowledge.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    return CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")


def select_html():
    return str(MessageForm()["category"])


def test_select_runs_no_query_once_cached(network, django_assert_num_queries):
    select_html()

    with django_assert_num_queries(0):
        html = select_html()

    assert '<option value="network">Network</option>' in html


def test_new_visitor_page_runs_no_query(client, network, django_assert_num_queries):
    client.get(reverse("chat:page"))

    with django_assert_num_queries(0):
        response = client.get(reverse("chat:page"))

    assert '<option value="network">Network</option>' in response.text


def test_new_category_is_shown(network, django_capture_on_commit_callbacks):
    select_html()

    with django_capture_on_commit_callbacks(execute=True):
        CategoryFactory(slug="printers", name_en="Printers")

    assert '<option value="printers">Printers</option>' in select_html()


def test_renamed_category_is_shown(network, django_capture_on_commit_callbacks):
    select_html()

    with django_capture_on_commit_callbacks(execute=True):
        network.name_en = "Network and VPN"
        network.save()

    assert '<option value="network">Network and VPN</option>' in select_html()


def test_deleted_category_is_gone(network, django_capture_on_commit_callbacks):
    select_html()

    with django_capture_on_commit_callbacks(execute=True):
        network.delete()

    assert "network" not in select_html()


def test_cached_list_keeps_display_order():
    CategoryFactory(slug="b-second", position=2)
    CategoryFactory(slug="a-third", position=3)
    CategoryFactory(slug="c-first", position=1)
    select_html()

    html = select_html()

    assert html.index("c-first") < html.index("b-second") < html.index("a-third")


def test_uncached_category_is_still_valid(network):
    select_html()
    # QuerySet.update() sends no signal, so the cached list misses the rename.
    Category.objects.filter(pk=network.pk).update(slug="vpn")

    form = MessageForm({"text": "VPN is down", "category": "vpn"})

    assert form.is_valid()
    assert form.cleaned_data["category"] == network


def test_form_starts_with_conversation_category(network, django_assert_num_queries):
    # Loaded again, so that conversation.category is not cached on it.
    conversation = Conversation.objects.get(pk=ConversationFactory(category=network).pk)
    select_html()

    with django_assert_num_queries(0):
        html = str(MessageForm.for_conversation(conversation)["category"])

    assert '<option value="network" selected>Network</option>' in html


def test_form_for_no_conversation_selects_any(network):
    html = str(MessageForm.for_conversation(None)["category"])

    assert '<option value="" selected>' in html
