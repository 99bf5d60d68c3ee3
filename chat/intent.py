"""Read simple intents from an employee's message without a model."""

import re

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)

# Words for IT staff that follow "connect me with", "talk to" and the like.
# Russian nouns end in the instrumental case ("со специалистом"), so that
# "сотруднику" (to an employee, the dative) is not one.
RU_STAFF = (
    r"(?:специалист(?:ом|ами)|оператор(?:ом|ами)|человеком|людьми"
    r"|сотрудник(?:ом|ами) (?:ит|it|айти|поддержки|техподдержки|helpdesk)"
    r"|поддержкой|техподдержкой|администратор(?:ом|ами)|админ(?:ом|ами)|айтишник(?:ом|ами)"
    r"|ит|it|айти|кем-то из (?:ит|it|айти|поддержки)|кем-нибудь из (?:ит|it|айти))"
)
# "someone" counts only when IT or the end of the message follows, because
# "chat with someone outside the company" is a question about chatting.
EN_STAFF = (
    r"(?:person|agent|human|technician|support|it|staff|operator|engineer|admin"
    r"|(?:someone|somebody)(?= (?:from|in|at) (?:it|support|the helpdesk|helpdesk)"
    r"\b|\W*$))"
)
# Nominative, genitive or accusative forms: "нужен специалист", "дайте
# оператора". Dative forms ("сотруднику", "специалистам") name someone who
# gets something, not the person asked for.
RU_PERSON = (
    r"(?:специалист(?:а|ов)?|оператор(?:а|ов)?|человек(?:а)?|сотрудник(?:а)? ит)"
)
# Phrases that ask for a person rather than an article, matched as whole words
# of the lower-cased message, so "personal" does not match "person". Words
# such as "оператор", "соединение" and "human" also occur in ordinary
# questions ("мобильный оператор", "нет соединения с сервером", "human
# resources portal"), so most patterns need a verb of asking with them.
PERSON_PATTERNS = [
    r"(?:позов\w*|позвать) (?:\w+ )?(?:специалист|оператор|человек|сотрудник"
    r"|админ|айтишник|кого-нибудь|кого-то)\w*",
    r"(?:нуж\w*|хочу|дайте|позовите) (?:мне )?айтишник\w*",
    r"(?:со?|к) (?:\w+ )?(?:админом|айтишником|специалистом|оператором|человеком)"
    r" (?:поговорить|связаться|пообщаться)",
    r"(?:позвон\w*|свяж\w*|перезвон\w*) (?:мне|со мной)",
    r"пусть (?:мне |со мной )?(?:позвон|свяж|перезвон)\w*",
    r"(?:созда|оформ|остав)\w* (?:мне )?(?:заявк|тикет|обращени)\w*",
    r"помощь (?:живого )?человека",
    r"(?:create|open|file|raise|submit) (?:a |me a |an )?(?:ticket|support request)",
    r"(?:human|personal) (?:help|assistance)|help from a (?:human|person)",
    r"(?:a |an |the )?representative",
    r"(?:can|could) (?:someone|somebody|a human|a person|an engineer)"
    r"(?: from it| from support)? (?:call|contact|help) me",
    r"have (?:someone|somebody)(?: from it)? (?:call|contact) me",
    r"(?:is there|can i talk to) a (?:person|human)",
    r"(?:need|want) (?:a |an )?(?:human|person) to (?:look|help|check)",
    r"(?:нуж\w*|хочу|вызов\w*|вызвать|пригласит\w*|дайте|можно) (?:мне )?" + RU_PERSON,
    # At the start of a sentence, so "на одного человека нужен доступ" is not one.
    # "Специалист нужен только для принтера?" is a question about the need.
    r"(?:^|(?<=[.!?,;:] ))" + RU_PERSON + r" (?:нуж(?:ен|на|но|ны)|срочно)"
    r"(?! (?:ли|только)\b)",
    r"(?:хочу|можно|нужно|надо) к (?:специалист|оператор|человек)у",
    r"помощь (?:\w+ )?специалист(?:а|ов)",
    r"(?:жив\w*|реальн\w*) человек\w*",
    r"(?:соедин|свяж|переключ|перевед)(?:ите|и|ить) (?:меня |нас )?(?:со?|на) "
    r"(?:\w+ )?(?:" + RU_STAFF + r"|" + RU_PERSON + r")",
    r"челове(?:к|ка|ку) .*\b(?:поговорить|связаться)",
    r"(?:поговорить|связаться|пообщаться|говорить) со? (?:\w+ )?" + RU_STAFF,
    r"(?:real|live) (?:person|agent|human)",
    r"(?:talk|speak|chat) (?:to|with) (?:an? |the |a real )?" + EN_STAFF,
    r"(?:connect|transfer|put) me (?:to|with|through to) (?:an? |the |a real )?"
    + EN_STAFF,
    r"(?:get|give|find) me (?:an? |the )?(?:person|human|operator|agent|technician)",
    r"(?:need|want) (?:an? |to see an? )?(?:person|technician|agent|human)"
    r"(?=\W*$|\W+(?:please|pls|now|asap|to (?:help|call|talk))\b)",
    r"(?:please )?escalate (?:this|it|my (?:ticket|issue|request|case|problem))"
    r"(?! in )",
]
PERSON_REGEX = re.compile(r"\b(?:" + "|".join(PERSON_PATTERNS) + r")\b", re.IGNORECASE)
# A message that is only a word for IT staff, such as "оператор!" or "a human,
# please", after punctuation is removed.
PERSON_WORD_REGEX = re.compile(
    r"(?:an? |the )?(?:специалист\w*|оператор\w*|человек\w*|айтишник\w*|operator"
    r"|human|agent|person|representative|позовите|escalate)"
    r"(?: (?:please|pls|plz|пожалуйста|срочно|мне))?",
    re.IGNORECASE,
)
# "Не могу поговорить с человеком по Teams" reports a problem with a call.
UNABLE_REGEX = re.compile(
    r"\b(?:не могу|не получается|не удается|не удаётся|can't|cannot|can not"
    r"|unable to) (?:\w+ )?(?:поговорить|связаться|дозвониться|chat|talk|speak"
    r"|contact|call|reach)\b",
    re.IGNORECASE,
)
THANKS = (
    r"(?:(?:большое|огромное) (?:спасибо|благодарю)|many thanks|thanks|thank you"
    r"|thx|ty|cheers|спасибо|благодарю|спс)"
    r"(?: (?:a lot|so much|very much|большое|огромное))?"
    r"(?: (?:for (?:the|your) (?:help|answer)|за (?:помощь|ответ)))?"
)
SOLVED = (
    r"(?:(?:yes |да )?(?:it|that|this) (?:worked|helped|works(?: now)?|fixed it)"
    r"|(?:it s |it is )?(?:works|working) now|all good(?: now)?|all set|got it"
    r"|(?:problem |issue )?(?:solved|resolved|fixed)"
    r"|(?:вопрос |проблема )?решен[аоы]?|понял[аи]?|больше ничего не нужно"
    r"|(?:все|всё) (?:ок|ok|хорошо|в порядке)"
    r"|разобрал(?:ся|ась|ись)"
    r"|(?:(?:да|все|всё|теперь) )?(?:заработало|помогло|получилось|работает))"
)
# Whole messages that thank or report the problem solved, after punctuation
# is removed. A message that goes on ("thanks, but it still fails") is not one,
# and neither is a question ("заработало?").
CLOSING_REGEX = re.compile(
    r"(?:ok |okay |ок |хорошо |отлично |супер |огонь |ура |great |perfect |super"
    r" |awesome |yes |да )?"
    rf"(?:{THANKS}(?: {SOLVED})?|{SOLVED}(?: {THANKS})?)"
)


# Words reporting that an earlier reply did not solve the problem. They make a
# short message a follow-up even when its words match some other article.
NO_CHANGE_REGEX = re.compile(
    r"\b(?:still|again|nothing changed|same (?:error|problem|issue|message)"
    r"|did(?:n't| not) (?:help|work)|does(?:n't| not) help|no luck"
    r"|tried (?:everything|all of (?:it|that|this)|that|this|it)"
    r"|перепробовал\w* (?:всё|все)|не вышло"
    r"|не помогл\w*|не сработал\w*|ничего не изменил\w*|(?:всё|все) ещё|(?:всё|все) еще"
    r"|по-прежнему|(?:всё|все) равно|та же (?:ошибка|проблема)|опять|снова)\b",
    re.IGNORECASE,
)


def reports_no_change(text):
    """Return True when the message reports that the problem remains."""
    return bool(NO_CHANGE_REGEX.search(text))


def words_of(text):
    """Return the lower-cased words of ``text``, without punctuation, as one string."""
    text = text.lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w\s-]", " ", text).split())


SOLVED_REGEX = re.compile(rf"\b{SOLVED}\b")


def is_closing(text):
    """Return True when the whole message thanks or reports the problem solved."""
    if text.rstrip().endswith("?"):
        return False
    return bool(CLOSING_REGEX.fullmatch(words_of(text)))


def reports_solved(text):
    """Return True when a closing message reports the problem solved."""
    return is_closing(text) and bool(SOLVED_REGEX.search(words_of(text)))


def asks_for_person(text):
    """Return True when the message asks to talk to IT staff."""
    words = words_of(text)
    if PERSON_WORD_REGEX.fullmatch(words):
        return True
    text = " ".join(text.lower().split())
    return bool(PERSON_REGEX.search(text)) and not UNABLE_REGEX.search(text)


def detect_language(text, default="en"):
    """Return "ru" or "en" for the language that ``text`` is written in.

    Two Cyrillic words make it Russian, however many Latin product names
    there are, as in "не открывается Microsoft Outlook". A message of one or
    two Latin words, such as "vpn", is likely a product name, so it keeps
    ``default``, the language of the page, and so does one without letters.
    """
    words = text.split()
    cyrillic = sum(1 for word in words if CYRILLIC.search(word))
    latin = sum(1 for word in words if LATIN.search(word) and not CYRILLIC.search(word))
    if cyrillic >= 2 or (cyrillic and cyrillic >= latin):
        return "ru"
    if latin > 2 or (latin and cyrillic):
        return "en"
    return default
