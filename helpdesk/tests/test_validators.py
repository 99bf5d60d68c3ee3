"""The checks for control and directional formatting characters in typed text."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from helpdesk.forms import MultilineField, SingleLineEmailField, SingleLineField
from helpdesk.validators import (
    to_single_line,
    validate_no_control_characters,
    validate_no_directional_characters,
)

CONTROL_ERROR = "This text contains invisible control characters"
DIRECTIONAL_ERROR = "This text contains invisible characters that change the reading"

# Every character that the control check rejects: C0 without tab, line feed
# and carriage return, then DEL, then C1.
CONTROL_CHARACTERS = [
    *(chr(code) for code in range(0x00, 0x20) if chr(code) not in "\t\n\r"),
    "\x7f",
    *(chr(code) for code in range(0x80, 0xA0)),
]
DIRECTIONAL_CHARACTERS = [
    *(chr(code) for code in range(0x202A, 0x202F)),
    *(chr(code) for code in range(0x2066, 0x206A)),
]

# (case id, character) for each class of rejected character.
REJECTED_CONTROL = [
    ("nul", "\x00"),
    ("bell", "\x07"),
    ("backspace", "\x08"),
    ("vertical_tab", "\x0b"),
    ("form_feed", "\x0c"),
    ("shift_out", "\x0e"),
    ("escape", "\x1b"),
    ("unit_separator", "\x1f"),
    ("delete", "\x7f"),
    ("c1_first", "\x80"),
    ("c1_next_line", "\x85"),
    ("c1_control_sequence_introducer", "\x9b"),
    ("c1_last", "\x9f"),
]
REJECTED_DIRECTIONAL = [
    ("left_to_right_embedding", "\u202a"),
    ("right_to_left_embedding", "\u202b"),
    ("pop_directional_formatting", "\u202c"),
    ("left_to_right_override", "\u202d"),
    ("right_to_left_override", "\u202e"),
    ("left_to_right_isolate", "\u2066"),
    ("right_to_left_isolate", "\u2067"),
    ("first_strong_isolate", "\u2068"),
    ("pop_directional_isolate", "\u2069"),
]
# Text that every field accepts.
ACCEPTED_TEXT = [
    ("english", "VPN does not connect since 9:00"),
    ("cyrillic", "Не подключается VPN, ошибка 809. Что делать?"),
    ("emoji", "Printer 🖨️ on fire 🔥😀"),
    ("emoji_zwj_sequence", "Developer 👩🏽‍💻 and family 👨‍👩‍👧‍👦"),
    ("flag", "Office 🇷🇺 🏳️‍🌈"),
    ("combining_marks", "café naïve й"),
    ("no_break_space", "VPN\u00a0client"),
    ("zero_width_joiner", "a\u200db"),
    ("right_to_left_script", "שלום مرحبا"),
    ("printable_edges", "x ~\u00a0\u00a1"),
]
# Multi-line text that only multi-line fields accept.
ACCEPTED_MULTILINE = [
    ("tab", "Name:\tAnna"),
    ("line_feeds", "First line\nSecond line\n\nThird"),
    ("carriage_return_line_feed", "Первая строка\r\nВторая строка"),
    ("directional_isolate", "Файл \u2067ملف.txt\u2069 не открывается"),
]


def ids(cases):
    return [case_id for case_id, _value in cases]


def values(cases):
    return [value for _case_id, value in cases]


def error_messages(error):
    return [str(message) for message in error.messages]


@pytest.mark.parametrize(
    "character", values(REJECTED_CONTROL), ids=ids(REJECTED_CONTROL)
)
def test_control_character_rejected(character):
    with pytest.raises(ValidationError) as caught:
        validate_no_control_characters(f"VPN{character} down")

    assert caught.value.code == "control_characters_not_allowed"
    [message] = error_messages(caught.value)
    assert message.startswith(CONTROL_ERROR)
    assert f"(U+{ord(character):04X})" in message
    assert "Remove them and try again." in message


def test_every_control_character_rejected():
    for character in CONTROL_CHARACTERS:
        with pytest.raises(ValidationError):
            validate_no_control_characters(f"a{character}b")


@pytest.mark.parametrize(
    "character", values(REJECTED_DIRECTIONAL), ids=ids(REJECTED_DIRECTIONAL)
)
def test_directional_character_rejected(character):
    with pytest.raises(ValidationError) as caught:
        validate_no_directional_characters(f"invoice{character}exe.pdf")

    assert caught.value.code == "directional_characters_not_allowed"
    [message] = error_messages(caught.value)
    assert message.startswith(DIRECTIONAL_ERROR)
    assert f"(U+{ord(character):04X})" in message


def test_every_directional_character_rejected():
    for character in DIRECTIONAL_CHARACTERS:
        with pytest.raises(ValidationError):
            validate_no_directional_characters(f"a{character}b")


@pytest.mark.parametrize(
    "text",
    values(ACCEPTED_TEXT + ACCEPTED_MULTILINE),
    ids=ids(ACCEPTED_TEXT + ACCEPTED_MULTILINE),
)
def test_control_check_accepts_text(text):
    validate_no_control_characters(text)


@pytest.mark.parametrize("text", values(ACCEPTED_TEXT), ids=ids(ACCEPTED_TEXT))
def test_directional_check_accepts_text(text):
    validate_no_directional_characters(text)


def test_error_lists_distinct_characters_in_order():
    with pytest.raises(ValidationError) as caught:
        validate_no_control_characters("\x1b[31mred\x07\x1b[0m")

    [message] = error_messages(caught.value)
    assert "(U+001B, U+0007)" in message


def test_error_lists_at_most_five_characters():
    with pytest.raises(ValidationError) as caught:
        validate_no_control_characters("\x01\x02\x03\x04\x05\x06\x07")

    [message] = error_messages(caught.value)
    assert "(U+0001, U+0002, U+0003, U+0004, U+0005, …)" in message


@pytest.mark.parametrize(
    "text",
    values(ACCEPTED_TEXT + ACCEPTED_MULTILINE),
    ids=ids(ACCEPTED_TEXT + ACCEPTED_MULTILINE),
)
def test_multiline_field_accepts_text(text):
    field = MultilineField()

    assert field.clean(text) == text.replace("\r\n", "\n")


@pytest.mark.parametrize("text", values(ACCEPTED_TEXT), ids=ids(ACCEPTED_TEXT))
def test_single_line_field_accepts_text(text):
    field = SingleLineField()

    assert field.clean(text) == text.strip()


@pytest.mark.parametrize(
    "character", values(REJECTED_CONTROL), ids=ids(REJECTED_CONTROL)
)
@pytest.mark.parametrize("field_class", [MultilineField, SingleLineField])
def test_text_field_rejects_control_character(field_class, character):
    field = field_class()

    with pytest.raises(ValidationError) as caught:
        field.clean(f"VPN{character} down")

    [message] = error_messages(caught.value)
    assert message.startswith(CONTROL_ERROR)


# Python's str.strip() removes these, so CharField would drop them unseen at
# either end before the validators run.
SPACE_LIKE_CONTROL = ["\x0b", "\x0c", "\x1c", "\x1f", "\x85"]


@pytest.mark.parametrize("character", SPACE_LIKE_CONTROL)
@pytest.mark.parametrize("field_class", [MultilineField, SingleLineField])
@pytest.mark.parametrize("template", ["{}VPN down", "VPN down{}", "{}"])
def test_control_character_at_end_rejected(field_class, character, template):
    field = field_class(required=False)

    with pytest.raises(ValidationError) as caught:
        field.clean(template.format(character))

    [message] = error_messages(caught.value)
    assert message.startswith(CONTROL_ERROR)


@pytest.mark.parametrize("field_class", [MultilineField, SingleLineField])
def test_rejected_nul_is_not_shown_back(field_class):
    class TextForm(forms.Form):
        text = field_class()

    form = TextForm(data={"text": "Иван П\x00етров"})

    assert not form.is_valid()
    assert "(U+0000)" in form.errors["text"][0]
    assert form["text"].value() == "Иван Петров"
    assert "\x00" not in str(form["text"])


def test_single_line_field_joins_lines():
    field = SingleLineField()

    assert field.clean("Ivan\r\n  Petrov\nIT") == "Ivan Petrov IT"


def test_nul_gets_one_error():
    # Django's own NUL check would add "Null characters are not allowed."
    field = SingleLineField()

    with pytest.raises(ValidationError) as caught:
        field.clean("VPN\x00 down")

    [message] = error_messages(caught.value)
    assert message.startswith(CONTROL_ERROR)
    assert "(U+0000)" in message


@pytest.mark.parametrize(
    "character", values(REJECTED_DIRECTIONAL), ids=ids(REJECTED_DIRECTIONAL)
)
def test_single_line_field_rejects_directional_character(character):
    field = SingleLineField()

    with pytest.raises(ValidationError) as caught:
        field.clean(f"invoice{character}exe.pdf")

    [message] = error_messages(caught.value)
    assert message.startswith(DIRECTIONAL_ERROR)


def test_multiline_field_accepts_directional_characters():
    field = MultilineField()
    text = "".join(DIRECTIONAL_CHARACTERS)

    assert field.clean(f"a{text}b") == f"a{text}b"


@pytest.mark.parametrize(
    ("address", "expected_error"),
    [
        ("anna@exa\u202emple.com", DIRECTIONAL_ERROR),
        ("anna@exa\u2066mple.com", DIRECTIONAL_ERROR),
        ("an\x1bna@example.com", CONTROL_ERROR),
        ("anna@example.com\x7f", CONTROL_ERROR),
    ],
    ids=["override_in_domain", "isolate_in_domain", "escape", "delete"],
)
def test_email_field_rejects_hidden_characters(address, expected_error):
    field = SingleLineEmailField()

    with pytest.raises(ValidationError) as caught:
        field.clean(address)

    messages = error_messages(caught.value)
    assert any(message.startswith(expected_error) for message in messages)


def test_email_field_accepts_address():
    field = SingleLineEmailField()

    assert field.clean("anna.petrova@example.com") == "anna.petrova@example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ctrl \x1b[31mred\x07 \u202eevil", "ctrl [31mred evil"),
        ("VPN\r\ndown\tagain", "VPN down again"),
        ("a\x0bb\x0cc\x1cd\x85e", "a b c d e"),
        ("\x00\x1b \u2066\u2069", ""),
        ("Принтер 👩🏽‍💻 не печатает", "Принтер 👩🏽‍💻 не печатает"),
    ],
    ids=[
        "tester_subject",
        "white_space",
        "white_space_controls",
        "nothing_left",
        "kept",
    ],
)
def test_to_single_line(text, expected):
    assert to_single_line(text) == expected
