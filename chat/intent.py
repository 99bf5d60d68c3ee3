"""Read simple intents from an employee's message without a model."""

import re

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)

# Phrases that ask for a person rather than an article. Matched on whole words
# of the lower-cased message, so "personal" does not match "person".
PERSON_PATTERNS = [
    r"специалист\w*",
    r"оператор\w*",
    r"(?:жив\w*|реальн\w*) человек\w*",
    r"позов\w*",
    r"соедин\w* с",
    r"с человеком",
    r"челове(?:к|ка|ку)\b.*\b(?:поговорить|связаться)",
    r"(?:поговорить|связаться) с "
    r"(?:кем-то|кем нибудь|кем-нибудь|сотрудником|it|ит|айти)",
    r"human",
    r"(?:real|live) (?:person|agent)",
    r"(?:talk|speak|chat) (?:to|with) (?:a |an |someone|somebody|a real |the )?"
    r"(?:person|agent|someone|somebody|human|technician|support|it|staff)",
    r"operator",
    r"(?:need|want) (?:a |an )?(?:person|technician|agent)",
    r"escalate",
]
PERSON_REGEX = re.compile(r"\b(?:" + "|".join(PERSON_PATTERNS) + r")", re.IGNORECASE)


def asks_for_person(text):
    """Return True when the message asks to talk to IT staff."""
    return bool(PERSON_REGEX.search(text.lower()))


def detect_language(text, default="en"):
    """Return "ru" or "en" for the script most of the letters are written in."""
    cyrillic = len(CYRILLIC.findall(text))
    latin = len(LATIN.findall(text))
    if cyrillic == 0 and latin == 0:
        return default
    return "ru" if cyrillic >= latin else "en"
