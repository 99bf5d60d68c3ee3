"""Read simple intents from an employee's message without a model."""

import re

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)

# Words for IT staff that follow "connect me with", "talk to" and the like.
RU_STAFF = (
    r"(?:специалист\w*|оператор\w*|человек\w*|сотрудник\w*|поддержк\w*"
    r"|техподдержк\w*|администратор\w*|админ\w*|it|ит|айти|кем-то|кем-нибудь"
    r"|кем нибудь)"
)
EN_STAFF = (
    r"(?:person|agent|someone|somebody|human|technician|support|it|staff"
    r"|operator|engineer|admin)"
)
# Phrases that ask for a person rather than an article, matched as whole words
# of the lower-cased message, so "personal" does not match "person". Words
# such as "оператор", "соединение" and "human" also occur in ordinary
# questions ("мобильный оператор", "нет соединения с сервером", "human
# resources portal"), so most patterns need a verb of asking with them.
PERSON_PATTERNS = [
    r"позов\w*",
    r"(?:нуж\w*|хочу|вызов\w*|пригласит\w*|дайте|можно) (?:мне )?(?:к )?"
    r"(?:специалист|оператор|человек|сотрудник)\w*",
    r"помощь (?:\w+ )?специалист\w*",
    r"(?:жив\w*|реальн\w*) человек\w*",
    r"(?:соедин|свяж|переключ)(?:ите|и|ить) (?:меня |нас )?(?:с|на) (?:\w+ )?"
    + RU_STAFF,
    r"челове(?:к|ка|ку) .*\b(?:поговорить|связаться)",
    r"(?:поговорить|связаться|пообщаться|говорить) с (?:\w+ )?" + RU_STAFF,
    r"(?:real|live) (?:person|agent|human)",
    r"(?:talk|speak|chat) (?:to|with) (?:an? |the |a real )?" + EN_STAFF,
    r"(?:connect|transfer|put) me (?:to|with|through to) (?:an? |the |a real )?"
    + EN_STAFF,
    r"(?:need|want) (?:an? |to see an? )?(?:person|technician|agent|human)",
    r"escalate(?! privileges?)",
]
PERSON_REGEX = re.compile(r"\b(?:" + "|".join(PERSON_PATTERNS) + r")\b", re.IGNORECASE)
# A message that is only a word for IT staff, such as "оператор!" or "a human
# please".
PERSON_WORD_REGEX = re.compile(
    r"\W*(?:an? |the )?(?:специалист\w*|оператор\w*|человек\w*|operator|human"
    r"|agent|person)(?: please| пожалуйста)?\W*",
    re.IGNORECASE,
)


THANKS = (
    r"(?:thanks|thank you|thx|ty|спасибо|благодарю|спс)"
    r"(?: (?:a lot|so much|very much|большое|огромное))?"
    r"(?: (?:for (?:the|your) (?:help|answer)|за (?:помощь|ответ)))?"
)
SOLVED = (
    r"(?:(?:it|that|this) (?:worked|helped|works now|fixed it)"
    r"|(?:problem |issue )?(?:solved|resolved|fixed)"
    r"|(?:(?:все|всё|теперь) )?(?:заработало|помогло|получилось|работает))"
)
# Whole messages that thank or report the problem solved, after punctuation
# is removed. A message that goes on ("thanks, but it still fails") is not one.
CLOSING_REGEX = re.compile(
    r"(?:ok |okay |ок |хорошо |отлично |great |perfect )?"
    rf"(?:{THANKS}(?: {SOLVED})?|{SOLVED}(?: {THANKS})?)"
)


def is_closing(text):
    """Return True when the whole message thanks or reports the problem solved."""
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    return bool(CLOSING_REGEX.fullmatch(" ".join(words)))


def asks_for_person(text):
    """Return True when the message asks to talk to IT staff."""
    text = " ".join(text.lower().split())
    return bool(PERSON_REGEX.search(text) or PERSON_WORD_REGEX.fullmatch(text))


def detect_language(text, default="en"):
    """Return "ru" or "en" for the script most of the letters are written in."""
    cyrillic = len(CYRILLIC.findall(text))
    latin = len(LATIN.findall(text))
    if cyrillic == 0 and latin == 0:
        return default
    return "ru" if cyrillic >= latin else "en"
