import pytest
from django.utils import translation

from chat.models import Message
from chat.responders.offline import OfflineResponder
from chat.tests.factories import ConversationFactory
from chat.tests.replies import answer
from knowledge.search import SearchHit
from knowledge.tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def test_covered_question_is_answered_with_confidence(mail_article):
    reply, streamed = answer("Не могу войти в корпоративную почту")

    assert reply.confidence >= 0.6
    assert reply.handoff == ""
    assert "mail.example.com" in streamed
    assert streamed == reply.text


def test_uncovered_question_offers_ticket(mail_article, vpn_article):
    reply, _streamed = answer("Как оформить отпуск?")

    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE
    assert reply.offers_ticket


def test_uncovered_question_is_recorded_as_gap(mail_article):
    from knowledge.models import KnowledgeGap

    answer("Как оформить отпуск?")

    assert KnowledgeGap.objects.count() == 1


def test_threshold_setting_decides_handoff(settings, vpn_article):
    settings.HELPDESK_CONFIDENCE_THRESHOLD = 0.0

    reply, _streamed = answer("vpn printer toner banana")

    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.NONE


def test_request_for_person_offers_ticket(vpn_article):
    reply, streamed = answer("VPN is broken, I want to talk to a human")

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert "ticket" in streamed


def test_russian_request_for_person_offers_ticket(vpn_article):
    reply, _streamed = answer("позовите специалиста")

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON


def test_reply_in_question_language(vpn_article):
    reply, _streamed = answer("Как оформить отпуск?")

    assert "ticket" not in reply.text
    assert "тикет" in reply.text.lower() or "заявк" in reply.text.lower()


def test_answer_quotes_article_steps_only(vpn_article):
    reply, _streamed = answer("vpn does not connect")

    assert vpn_article.solution in reply.text


def test_wrong_category_does_not_win(vpn_article):
    printers = CategoryFactory(slug="printers")
    ArticleFactory(
        category=printers,
        title="Add a network printer",
        problem="The printer is not in the list and does not connect.",
        solution="1. Open Settings.\n2. Add the printer.",
        keywords="printer, network printer",
    )
    conversation = ConversationFactory(category=printers)

    reply, _streamed = answer("VPN does not connect", conversation)

    assert reply.handoff == ""
    assert list(reply.cited_articles.all()) == [vpn_article]


def test_request_for_person_is_no_gap(mail_article):
    from knowledge.models import KnowledgeGap

    answer("позовите специалиста")

    assert KnowledgeGap.objects.count() == 0


def test_weak_match_is_not_cited_for_person_request():
    ArticleFactory(
        title="The computer is slow",
        problem="Programs take minutes to open.",
        solution="Close the browser tabs you do not need before a call, "
        "so that you can talk without the sound breaking up.",
    )

    reply, _streamed = answer("I want to talk to a human")

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.confidence is None
    assert list(reply.cited_articles.all()) == []
    assert reply.suggested_category is None


def test_follow_up_keeps_topic_and_offers_ticket(vpn_article, mail_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("and if that did not help?", first.conversation)

    assert list(reply.cited_articles.all()) == [vpn_article]
    assert reply.suggested_category == vpn_article.category
    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE


def test_person_request_after_question_keeps_category(vpn_article, mail_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("I want to talk to a human", first.conversation)

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.suggested_category == vpn_article.category


def test_one_word_follow_up_keeps_topic(vpn_article, mail_article):
    ArticleFactory(
        title="The computer restarts by itself",
        problem="The computer restarts during work.",
        solution="1. Install the updates.\n2. Call IT.",
    )
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("it still restarts", first.conversation)

    assert list(reply.cited_articles.all()) == [vpn_article]
    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE


def test_new_topic_without_article_is_gap(vpn_article, mail_article):
    from knowledge.models import KnowledgeGap

    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("Как оформить отпуск?", first.conversation)

    assert list(reply.cited_articles.all()) == []
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE
    assert KnowledgeGap.objects.count() == 1


def test_no_change_follow_up_keeps_topic(vpn_article, mail_article):
    ArticleFactory(
        title="Windows update is stuck: nothing changed for hours",
        problem="The update screen shows the same percentage.",
        solution="1. Wait one more hour.\n2. Call IT.",
    )
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("did that, nothing changed", first.conversation)

    assert vpn_article in reply.cited_articles.all()
    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE


def test_follow_up_naming_product_keeps_topic(vpn_article, mail_article):
    ArticleFactory(
        category=vpn_article.category,
        title="VPN keeps disconnecting",
        problem="The VPN connects but drops every few minutes.",
        solution="1. Switch to a cable.\n2. Call IT.",
    )
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("VPN still drops at home", first.conversation)

    assert reply.confidence < 0.6
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE


def test_follow_up_after_thanks_keeps_first_topic(vpn_article, mail_article):
    first, _streamed = answer("VPN does not connect from home")
    for text in ["thanks, but it did not help", "still not working"]:
        answer(text, first.conversation)

    reply, _streamed = answer("nothing changed at all", first.conversation)

    assert list(reply.cited_articles.all()) == [vpn_article]
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE


def test_product_name_follows_page_language(vpn_article):
    russian = ArticleFactory(
        category=vpn_article.category,
        language="ru",
        title="VPN не подключается",
        problem="Клиент VPN показывает ошибку и не подключается из дома.",
        solution="1. Проверьте интернет.\n2. Перезапустите клиент VPN.",
        keywords="vpn, впн, удалённый доступ",
    )

    with translation.override("ru"):
        reply, streamed = answer("vpn")

    assert reply.text.startswith("Похоже")
    assert "Перезапустите клиент VPN" in streamed
    assert list(reply.cited_articles.all()) == [russian]


def test_one_word_first_question_is_answered(vpn_article, mail_article):
    reply, _streamed = answer("VPN")

    assert list(reply.cited_articles.all()) == [vpn_article]
    assert reply.confidence >= 0.6


def test_thanks_get_closing_reply_without_ticket(vpn_article):
    from knowledge.models import KnowledgeGap

    first, _streamed = answer("VPN does not connect from home")

    reply, streamed = answer("Спасибо, всё заработало!", first.conversation)

    assert "Рад" in streamed
    assert reply.confidence is None
    assert reply.handoff == Message.Handoff.NONE
    assert not reply.offers_ticket
    assert list(reply.cited_articles.all()) == []
    assert KnowledgeGap.objects.count() == 0


def test_thanks_after_person_request_claim_no_solution(vpn_article):
    first, _streamed = answer("I want to talk to a human")

    reply, streamed = answer("thanks", first.conversation)

    assert "You're welcome" in streamed
    assert "Glad it helped" not in streamed
    assert reply.confidence is None
    assert not reply.offers_ticket


def test_thanks_as_first_message_get_welcome_reply(vpn_article):
    from knowledge.models import KnowledgeGap

    reply, streamed = answer("Спасибо!")

    assert streamed.startswith("Пожалуйста!")
    assert reply.confidence is None
    assert not reply.offers_ticket
    assert KnowledgeGap.objects.count() == 0


def test_solved_as_first_message_claims_no_earlier_help(vpn_article):
    reply, streamed = answer("всё заработало")

    assert "Рад, что помогло" not in streamed
    assert reply.confidence is None


def test_thanks_with_problem_is_answered(vpn_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("Thanks, but the VPN still fails", first.conversation)

    assert reply.confidence is not None
    assert list(reply.cited_articles.all()) == [vpn_article]


def test_follow_up_with_own_topic_is_answered(vpn_article, mail_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer("Не могу войти в почту", first.conversation)

    assert list(reply.cited_articles.all()) == [mail_article]
    assert reply.confidence >= 0.6


def test_new_uncovered_question_is_not_follow_up(vpn_article):
    first, _streamed = answer("VPN does not connect from home")

    reply, _streamed = answer(
        "The coffee machine on floor three leaks", first.conversation
    )

    assert list(reply.cited_articles.all()) == []
    assert reply.handoff == Message.Handoff.LOW_CONFIDENCE


def test_person_request_after_two_follow_ups_keeps_category(vpn_article):
    first, _streamed = answer("VPN does not connect from home")
    answer("and if that did not help?", first.conversation)

    reply, _streamed = answer(
        "I want to talk to a human being right now please", first.conversation
    )

    assert reply.handoff == Message.Handoff.ASKED_FOR_PERSON
    assert reply.suggested_category == vpn_article.category


def test_weak_answer_lists_only_relevant_articles(settings):
    settings.HELPDESK_CONFIDENCE_THRESHOLD = 0.6
    vpn = ArticleFactory(title="VPN does not connect")
    printer = ArticleFactory(title="Printer prints blank pages")
    hits = [
        SearchHit(article=vpn, score=0.45, matched_terms=["vpn"]),
        SearchHit(article=printer, score=0.1, matched_terms=["home"]),
    ]

    text, assessment = OfflineResponder().compose("VPN fails at home", hits)

    assert "VPN does not connect" in text
    assert "Printer prints blank pages" not in text
    assert assessment.cited_article_ids == [vpn.pk]
    assert assessment.confidence == 0.45


def test_russian_thanks_get_russian_welcome(vpn_article):
    first, _streamed = answer("Хочу поговорить с человеком")

    reply, streamed = answer("Спасибо!", first.conversation)

    assert streamed.startswith("Пожалуйста!")
    assert reply.confidence is None
