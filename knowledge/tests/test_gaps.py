from knowledge.gaps import record_gap
from knowledge.models import KnowledgeGap


def test_records_question(db):
    gap = record_gap("Как оформить отпуск?", "ru")

    assert gap.question == "Как оформить отпуск?"
    assert gap.normalized == "как оформить отпуск"
    assert gap.language == "ru"
    assert gap.count == 1


def test_groups_identical_questions(db):
    record_gap("Как оформить отпуск?", "ru")

    gap = record_gap("  как   ОФОРМИТЬ отпуск ", "ru")

    assert KnowledgeGap.objects.count() == 1
    assert gap.count == 2
    assert gap.question == "как   ОФОРМИТЬ отпуск"


def test_different_questions_kept_apart(db):
    record_gap("Как оформить отпуск?", "ru")
    record_gap("Where is the canteen?", "en")

    assert KnowledgeGap.objects.count() == 2


def test_newest_first(db):
    record_gap("first question", "en")
    record_gap("second question", "en")

    record_gap("first question", "en")

    assert [gap.normalized for gap in KnowledgeGap.objects.all()] == [
        "first question",
        "second question",
    ]


def test_question_without_words_ignored(db):
    assert record_gap(" ?! ", "en") is None
    assert KnowledgeGap.objects.count() == 0


def test_unknown_language_left_blank(db):
    gap = record_gap("Wie geht es?", "de")

    assert gap.language == ""
