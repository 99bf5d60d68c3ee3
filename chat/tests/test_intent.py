import pytest

from chat.intent import asks_for_person, detect_language


@pytest.mark.parametrize(
    "text",
    [
        "позовите специалиста",
        "хочу поговорить с живым человеком",
        "соедините с оператором",
        "I want to talk to a human",
        "can I speak to someone from IT",
        "connect me to a real person",
    ],
)
def test_request_for_person_is_detected(text):
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Не могу войти в корпоративную почту",
        "my personal folder is gone",
        "printer does not print",
        "принтер не печатает",
    ],
)
def test_ordinary_question_is_not_request_for_person(text):
    assert not asks_for_person(text)


def test_language_follows_script():
    assert detect_language("Принтер не печатает") == "ru"
    assert detect_language("printer is broken") == "en"
    assert detect_language("outlook не запускается") == "ru"
    assert detect_language("12345", default="ru") == "ru"
