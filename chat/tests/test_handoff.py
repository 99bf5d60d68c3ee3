import pytest

from chat.handoff import ticket_prefill
from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from knowledge.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_prefill_summarises_conversation(vpn_article):
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, text="VPN does not connect\nsince 9:00")
    reply = MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="Try this",
        handoff=Message.Handoff.LOW_CONFIDENCE,
        suggested_category=vpn_article.category,
    )
    reply.cited_articles.add(vpn_article)
    MessageFactory(conversation=conversation, text="Still no luck")

    prefill = ticket_prefill(conversation)

    # "Still no luck" names no topic, so the first line of the question
    # before it is the subject.
    assert prefill["subject"] == "VPN does not connect"
    assert "VPN does not connect" in prefill["description"]
    assert vpn_article.title in prefill["description"]
    assert prefill["category"] == vpn_article.category
    assert prefill["handoff"] == Message.Handoff.LOW_CONFIDENCE


def test_prefill_of_empty_conversation_is_blank():
    prefill = ticket_prefill(ConversationFactory())

    assert prefill["subject"] == ""
    assert prefill["category"] is None


def test_prefill_takes_category_of_latest_reply(vpn_article):
    other = CategoryFactory(slug="other")
    conversation = ConversationFactory()
    MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        suggested_category=vpn_article.category,
    )
    MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        handoff=Message.Handoff.LOW_CONFIDENCE,
    )

    prefill = ticket_prefill(conversation)

    assert prefill["category"] == other


def test_prefill_subject_skips_request_for_person():
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, text="Printer jams on every page")
    MessageFactory(conversation=conversation, text="позовите специалиста")

    prefill = ticket_prefill(conversation)

    assert prefill["subject"] == "Printer jams on every page"


@pytest.mark.parametrize(
    ("questions", "subject"),
    [
        (
            ["Outlook: нет соединения с сервером", "ничего не изменилось"],
            "Outlook: нет соединения с сервером",
        ),
        (
            ["Printer jams", "and if that did not help?", "a human please"],
            "Printer jams",
        ),
        (["VPN", "а если не помогло?"], "VPN"),
        (
            ["Не подключается VPN, ошибка 809", "всё равно не работает"],
            "Не подключается VPN, ошибка 809",
        ),
        (
            ["Printer jams on every page", "nothing changed"],
            "Printer jams on every page",
        ),
        (["Printer jams on every page", "Спасибо!"], "Printer jams on every page"),
        (["Printer jams on every page", "Teams has no sound"], "Teams has no sound"),
    ],
)
def test_prefill_subject_names_topic(questions, subject):
    conversation = ConversationFactory()
    for question in questions:
        MessageFactory(conversation=conversation, text=question)

    prefill = ticket_prefill(conversation)

    assert prefill["subject"] == subject


def test_prefill_description_fits_ticket_limit():
    conversation = ConversationFactory()
    for number in range(4):
        MessageFactory(conversation=conversation, text=f"{number} " + "x" * 3990)

    prefill = ticket_prefill(conversation)

    assert len(prefill["description"]) <= 10000
    assert prefill["description"].endswith("x")
    assert "3 x" in prefill["description"]


def test_prefill_drops_rejected_characters():
    conversation = ConversationFactory()
    # The chat form accepts directional characters. The control characters
    # are those of a message stored before the chat form rejected them.
    MessageFactory(
        conversation=conversation,
        text="Счёт \u202efdp.exe\u202c \x1b[31mне открывается\x07 🧾",
    )

    prefill = ticket_prefill(conversation)

    assert prefill["subject"] == "Счёт fdp.exe [31mне открывается 🧾"
    assert prefill["description"] == (
        "- Счёт \u202efdp.exe\u202c [31mне открывается 🧾"
    )
