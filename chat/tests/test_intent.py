import pytest

from chat.intent import (
    asks_for_person,
    detect_language,
    is_closing,
    reports_no_change,
    reports_solved,
)


@pytest.mark.parametrize(
    "text",
    [
        "позовите специалиста",
        "хочу поговорить с живым человеком",
        "соедините с оператором",
        "I want to talk to a human",
        "can I speak to someone from IT",
        "connect me to a real person",
        "оператор",
        "Человек!",
        "нужен специалист",
        "свяжите меня с техподдержкой",
        "соедините с живым человеком",
        "хочу поговорить с человеком",
        "можно связаться с кем-нибудь из ИТ?",
        "please escalate this",
        "I need a human",
        "transfer me to an operator",
        "a human please",
        "хочу к специалисту",
        "Мне нужен человек",
        "нужна помощь специалиста",
        "дайте оператора",
        "хочу поговорить со специалистом",
        "Человека, пожалуйста",
        "a human, please",
        "Специалист нужен срочно!",
        "свяжите меня со специалистом",
        "переведите на оператора",
        "позвать человека",
        "get me a human",
        "Can someone from IT call me?",
        "создайте заявку",
        "можно с админом поговорить?",
        "Хочу поговорить с айтишником",
        "Пусть мне позвонит специалист",
        "open a ticket",
        "talk to a representative",
        "Нужна помощь человека",
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
        "Outlook пишет: нет соединения с сервером",
        "VPN: соединение с сервером прервано",
        "мобильный оператор не ловит в офисе",
        "я с человеком из бухгалтерии не могу открыть общую папку",
        "human resources portal does not open",
        "the Humana app crashes",
        "how do I escalate privileges to install a driver",
        "how do I escalate my privileges",
        "Дайте сотруднику доступ к общей папке",
        "можно сотруднику выдать второй монитор?",
        "I need human resources portal access",
        "we need an agent installed for backup",
        "How do I chat with someone outside the company in Teams?",
        "Skype: не могу связаться с сотрудником другого офиса",
        "Не могу поговорить с человеком по Teams, нет звука",
        "на одного человека нужен доступ к папке",
        "Как позвать коллегу в чат Teams?",
        "I need to escalate my admin rights for installing software",
        "How to escalate a ticket in Jira?",
        "Someone locked my account",
        "Специалист нужен только для настройки принтера?",
        "Человек нужен ли для замены картриджа?",
    ],
)
def test_ordinary_question_is_not_request_for_person(text):
    assert not asks_for_person(text)


def test_language_follows_script():
    assert detect_language("Принтер не печатает") == "ru"
    assert detect_language("printer is broken") == "en"
    assert detect_language("outlook не запускается") == "ru"
    assert detect_language("12345", default="ru") == "ru"
    assert detect_language("не открывается Microsoft Outlook") == "ru"
    assert detect_language("не работает Microsoft Teams на MacBook Pro") == "ru"
    assert detect_language("Outlook crashes on a file from Петров") == "en"
    assert detect_language("vpn", default="ru") == "ru"
    assert detect_language("MS Teams", default="en") == "en"
    assert detect_language("Teams has no sound", default="ru") == "en"


@pytest.mark.parametrize(
    "text",
    [
        "thanks, that worked!",
        "ok thanks",
        "Thanks for the help!",
        "Спасибо!",
        "спасибо большое за помощь",
        "Всё заработало, спасибо",
        "Спасибо, всё заработало!",
        "помогло",
        "problem solved",
        "Большое спасибо!",
        "Many thanks!",
        "Спасибо, всё ок",
        "it works, thanks",
        "Спасибо, разобрался",
        "Да, помогло",
        "cheers",
        "ура, заработало",
        "Спасибо, вопрос решён",
        "понял, спасибо",
        "It's working now, thanks",
        "thank you very much, all good now",
        "Got it, thanks",
    ],
)
def test_thanks_are_closing(text):
    assert is_closing(text)


@pytest.mark.parametrize(
    "text",
    [
        "спасибо, но не помогло",
        "thanks but it still fails",
        "thanks for nothing",
        "не работает",
        "всё равно не работает",
        "ok",
        "VPN does not connect",
        "Заработало?",
        "fixed?",
        "Понял, но как настроить подпись?",
    ],
)
def test_questions_are_not_closing(text):
    assert not is_closing(text)


@pytest.mark.parametrize(
    "text",
    ["Спасибо, всё заработало!", "it works, thanks", "помогло", "problem solved"],
)
def test_solved_problem_is_reported(text):
    assert reports_solved(text)


@pytest.mark.parametrize("text", ["Спасибо!", "thanks", "Большое спасибо за помощь"])
def test_thanks_alone_report_nothing_solved(text):
    assert not reports_solved(text)


@pytest.mark.parametrize(
    "text",
    [
        "tried everything, no luck",
        "I tried that, still nothing",
        "перепробовал всё",
        "не вышло",
        "ничего не изменилось",
    ],
)
def test_unchanged_problem_is_reported(text):
    assert reports_no_change(text)


@pytest.mark.parametrize("text", ["VPN does not connect", "не открывается почта"])
def test_new_problem_reports_no_change(text):
    assert not reports_no_change(text)
