import re
from dataclasses import dataclass, field

SURROGATE_REGEX = re.compile("[\ud800-\udfff]")


def clean_text(text):
    """Return the model's ``text`` without NUL characters or lone surrogates.

    JSON can carry both as escapes, but PostgreSQL rejects NUL in a text
    column and a lone surrogate cannot be encoded as UTF-8 for the browser.
    A NUL is dropped and a lone surrogate becomes U+FFFD.
    """
    text = text.replace("\x00", "")
    if text.isascii():
        return text
    # json.loads joins a valid surrogate pair into one character, so any
    # surrogate left in a str is alone.
    return SURROGATE_REGEX.sub("\ufffd", text)


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation, given to the model as context."""

    role: str  # "employee" or "assistant"
    text: str


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass
class Assessment:
    """What a responder reports after its text: how sure it is and why.

    ``confidence`` is in [0, 1]. ``failure`` is empty on success, otherwise a
    short machine-readable reason such as "timeout" or "rate_limited".
    ``closing`` marks a reply to thanks, which answers no question, so it is
    stored without a confidence and offers no ticket.
    """

    confidence: float
    reason: str
    cited_article_ids: list[int] = field(default_factory=list)
    suggested_category: str = ""  # a Category slug, or empty
    asked_for_person: bool = False
    failure: str = ""
    closing: bool = False
    model: str = ""
    usage: Usage = field(default_factory=Usage)
