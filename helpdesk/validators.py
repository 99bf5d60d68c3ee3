"""Checks for invisible characters in text that employees and IT staff type.

Control characters (C0 except tab, line feed and carriage return, DEL, and
C1) have no use in typed text, and a terminal or mail client may act on them,
so every text field rejects them. NUL is one of them, so this check replaces
Django's check for null characters.

Explicit directional formatting characters (embeddings, overrides and
isolates, U+202A to U+202E and U+2066 to U+2069) can make a subject or a name
display as something else, so single-line fields reject them too. Multi-line
text accepts them, because text pasted from right-to-left languages often
contains them.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTER_REGEX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
DIRECTIONAL_CHARACTER_REGEX = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# An error message lists at most this many of the characters it found.
LISTED_CHARACTERS = 5


def describe_characters(characters):
    """Return the distinct ``characters`` as "U+001B, U+0007", in order."""
    distinct = list(dict.fromkeys(characters))
    codes = [f"U+{ord(character):04X}" for character in distinct]
    if len(codes) > LISTED_CHARACTERS:
        codes = [*codes[:LISTED_CHARACTERS], "…"]
    return ", ".join(codes)


@deconstructible
class ProhibitCharactersValidator:
    """Reject a value that contains a character matched by ``regex``.

    The message can use %(characters)s, the code points found.
    """

    def __init__(self, regex, message, code):
        self.regex = regex
        self.message = message
        self.code = code

    def __call__(self, value):
        found = self.regex.findall(str(value))
        if found:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"characters": describe_characters(found), "value": value},
            )

    def __eq__(self, other):
        return (
            isinstance(other, self.__class__)
            and self.regex == other.regex
            and self.message == other.message
            and self.code == other.code
        )


validate_no_control_characters = ProhibitCharactersValidator(
    CONTROL_CHARACTER_REGEX,
    _(
        "This text contains invisible control characters (%(characters)s), "
        "which usually come from pasted terminal output or binary data. Remove "
        "them and try again."
    ),
    "control_characters_not_allowed",
)

validate_no_directional_characters = ProhibitCharactersValidator(
    DIRECTIONAL_CHARACTER_REGEX,
    _(
        "This text contains invisible characters that change the reading "
        "direction (%(characters)s) and can disguise what it says. Remove them "
        "and try again."
    ),
    "directional_characters_not_allowed",
)


def remove_control_characters(text):
    """Return ``text`` without the characters that the control check rejects."""
    return CONTROL_CHARACTER_REGEX.sub("", text)


def to_single_line(text):
    """Return ``text`` as one line that passes the checks of a single-line field.

    Each run of white space, line breaks included, becomes one space, and
    control and directional formatting characters are removed. This is for
    text that is already stored or that the app builds, such as an e-mail
    subject.
    """
    words = []
    # str.split() also splits at the control characters that Python counts
    # as white space (U+000B, U+000C, U+001C to U+001F, U+0085), so these
    # become spaces rather than joining two words.
    for word in text.split():
        word = remove_control_characters(word)
        word = DIRECTIONAL_CHARACTER_REGEX.sub("", word)
        if word:
            words.append(word)
    return " ".join(words)
