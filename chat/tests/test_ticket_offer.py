"""The chat page has one ticket form at a time, whatever the number of offers."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from chat.models import Message
from chat.stream import render_final
from chat.tests.factories import ConversationFactory, MessageFactory
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SLOT = re.compile(r'<div class="ticket-form-slot"([^>]*)>')


def open_conversation(visitor, session_key, handoffs):
    """Store one exchange per handoff value and make it the visitor's chat."""
    conversation = ConversationFactory(session_key=session_key)
    replies = []
    for handoff in handoffs:
        MessageFactory(conversation=conversation, text="I want to talk to a human")
        replies.append(
            MessageFactory(
                conversation=conversation,
                role=Message.Role.ASSISTANT,
                text="IT staff will take it from here.",
                confidence=0.1,
                handoff=handoff,
            )
        )
    session = visitor.session
    session["conversation_id"] = str(conversation.public_id)
    session.save()
    return conversation, replies


def slots_loading_form(html):
    return ["hx-trigger" in attributes for attributes in SLOT.findall(html)]


def element_ids(html):
    return re.findall(r'\bid="([^"]+)"', html)


def test_only_newest_offer_loads_form(visitor, session_key):
    asked = Message.Handoff.ASKED_FOR_PERSON
    open_conversation(visitor, session_key, [asked, asked, asked])

    response = visitor.get(reverse("chat:page"))

    assert slots_loading_form(response.text) == [False, False, True]


def test_confident_reply_leaves_offer_loading_form(visitor, session_key):
    low = Message.Handoff.LOW_CONFIDENCE
    open_conversation(visitor, session_key, [low, Message.Handoff.NONE])

    response = visitor.get(reverse("chat:page"))

    assert slots_loading_form(response.text) == [True]


def test_older_offer_loads_form_into_its_own_slot(visitor, session_key):
    asked = Message.Handoff.ASKED_FOR_PERSON
    conversation, _replies = open_conversation(visitor, session_key, [asked, asked])
    url = f"{reverse('tickets:create')}?conversation={conversation.public_id}"

    response = visitor.get(reverse("chat:page"))

    links = re.findall(r'<a class="button ticket-offer-link"([^>]*)>', response.text)
    assert len(links) == 2
    assert f'href="{url}"' in links[0]
    assert f'hx-get="{url}"' in links[0]
    assert 'hx-target="next .ticket-form-slot"' in links[0]


def test_finished_reply_offer_loads_form(session_key):
    reply = MessageFactory(
        conversation=ConversationFactory(session_key=session_key),
        role=Message.Role.ASSISTANT,
        confidence=0.1,
        handoff=Message.Handoff.LOW_CONFIDENCE,
    )

    html = render_final(reply, RequestFactory().get("/"))

    assert slots_loading_form(html) == [True]


def test_created_ticket_replaces_loaded_form(visitor, session_key):
    asked = Message.Handoff.ASKED_FOR_PERSON
    conversation, _replies = open_conversation(visitor, session_key, [asked, asked])
    TicketFactory(conversation=conversation, subject="Older ticket")
    ticket = TicketFactory(conversation=conversation)

    response = visitor.get(reverse("chat:page"))

    assert slots_loading_form(response.text) == [False, False]
    assert response.text.count('class="ticket-created"') == 1
    assert f"Ticket {ticket.reference} is already created" in response.text
    assert f'href="{ticket.get_absolute_url()}"' in response.text
    assert response.text.count('class="button ticket-offer-link"') == 2


def test_finished_reply_names_created_ticket(session_key):
    conversation = ConversationFactory(session_key=session_key)
    ticket = TicketFactory(conversation=conversation)
    reply = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        confidence=0.1,
        handoff=Message.Handoff.LOW_CONFIDENCE,
    )

    html = render_final(reply, RequestFactory().get("/"))

    assert slots_loading_form(html) == [False]
    assert f"Ticket {ticket.reference} is already created" in html


def test_ticket_form_ids_differ_from_chat_page_ids(visitor, session_key):
    asked = Message.Handoff.ASKED_FOR_PERSON
    conversation, _replies = open_conversation(visitor, session_key, [asked])
    page = visitor.get(reverse("chat:page"))

    form = visitor.get(
        reverse("tickets:create"),
        {"conversation": str(conversation.public_id)},
        headers=HTMX,
    )

    page_ids = element_ids(page.text)
    form_ids = element_ids(form.text)
    assert len(page_ids) == len(set(page_ids))
    assert "ticket-form" in form_ids
    assert set(page_ids).isdisjoint(form_ids)
