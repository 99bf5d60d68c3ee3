import pytest

from knowledge.search import search
from knowledge.tests.factories import ArticleFactory

CASES = [
    ("Не могу войти в корпоративную почту", "mail_ru"),
    ("не входит в почту", "mail_ru"),
    ("почтой", "mail_ru"),
    ("cannot sign in to mail", "mail_en"),
    ("signing into the mailbox", "mail_en"),
    ("впн", "vpn_ru"),
    ("не подключается впн", "vpn_ru"),
    ("vpn connecting", "vpn_en"),
    ("принтер не печатает документы", "printer_ru"),
    ("принтеры перестали печатать", "printer_ru"),
    ("принтер жует бумагу", "paper_jam_ru"),
    ("застряла бумага", "paper_jam_ru"),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_word_forms_find_article(knowledge_base, query, expected):
    hits = search(query)

    assert hits
    assert hits[0].article == knowledge_base[expected]


def test_short_query_finds_article(knowledge_base):
    hits = search("мфу")

    assert hits[0].article == knowledge_base["printer_ru"]


def test_half_typed_word_matches_prefix(knowledge_base):
    hits = search("принт")

    assert {hit.article for hit in hits[:2]} == {
        knowledge_base["printer_ru"],
        knowledge_base["paper_jam_ru"],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outlok", "mail_en"),
        ("принтр не пичатает", "printer_ru"),
        ("vnp клиент", "vpn_ru"),
    ],
)
def test_typo_finds_article(knowledge_base, query, expected):
    hits = search(query)

    assert hits[0].article == knowledge_base[expected]


def test_typo_of_problem_word_finds_article(db):
    article = ArticleFactory(title="Monitor", problem="The docking station blinks.")

    hits = search("dokcing")

    assert [hit.article for hit in hits] == [article]
    assert hits[0].matched_terms == ["dokcing"]


def test_other_language_article_found(knowledge_base):
    knowledge_base["vpn_ru"].delete()

    hits = search("впн")

    assert hits[0].article == knowledge_base["vpn_en"]


def test_question_language_ranks_first(knowledge_base):
    russian = search("почта outlook")
    english = search("outlook mail")

    assert russian[0].article == knowledge_base["mail_ru"]
    assert english[0].article == knowledge_base["mail_en"]


def test_mixed_language_question(knowledge_base):
    hits = search("не работает outlook почта")

    assert hits[0].article == knowledge_base["mail_ru"]


def test_category_filter(knowledge_base):
    hits = search("не подключается", category="printers")

    assert all(hit.article.category.slug == "printers" for hit in hits)


def test_category_filter_accepts_instance(knowledge_base):
    network = knowledge_base["vpn_ru"].category

    hits = search("впн", category=network)

    assert hits
    assert all(hit.article.category == network for hit in hits)


def test_unknown_category_finds_nothing(knowledge_base):
    assert search("впн", category="no-such-category") == []


def test_limit_caps_hits(knowledge_base):
    hits = search("принтер почта впн", limit=2)

    assert len(hits) == 2


def test_hits_ordered_best_first(knowledge_base):
    hits = search("принтер бумага")

    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_keyword_phrase_beats_frequent_mentions(knowledge_base):
    disconnects = ArticleFactory(
        category=knowledge_base["vpn_ru"].category,
        language="ru",
        title="VPN постоянно отключается",
        problem="VPN подключается, но через несколько минут отваливается.",
        keywords="впн отваливается, впн отключается, впн вылетает, рвется впн",
    )

    hits = search("впн")

    assert hits[0].article == knowledge_base["vpn_ru"]
    assert disconnects in [hit.article for hit in hits]


def test_verb_forms_with_different_stems_match(db):
    article = ArticleFactory(
        language="ru",
        title="Ворд открывает файлы только для чтения",
        keywords="ворд не редактирует",
    )

    hits = search("ворд не дает редактировать")

    assert hits[0].article == article
    assert "редактировать" in hits[0].matched_terms


def test_named_language_weighs_more_than_letters(knowledge_base):
    question = "не открывается Microsoft Outlook mail"

    by_letters = {hit.article: hit.score for hit in search(question)}
    named = {hit.article: hit.score for hit in search(question, language="ru")}

    english, russian = knowledge_base["mail_en"], knowledge_base["mail_ru"]
    assert named[russian] == by_letters[russian]
    assert named[english] == pytest.approx(by_letters[english] * 0.9 / 0.97)
