"""Form fields shared by the chat, the tickets and the knowledge base."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from helpdesk.validators import (
    validate_no_control_characters,
    validate_no_directional_characters,
)

LINE_BREAK_REGEX = re.compile(r"\r\n?")
SPACED_LINE_BREAK_REGEX = re.compile(r"\s*[\r\n]\s*")


# Letters and symbols that fonts draw as blank space: the Hangul fillers and
# the blank Braille pattern.
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Format characters such as the zero-width space U+200B, and combining marks,
# which show nothing without a letter before them.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})


def has_visible_characters(text):
    """Return whether ``text`` shows anything to a reader, beyond white space."""
    return any(
        not char.isspace()
        and char not in BLANK_CHARACTERS
        and unicodedata.category(char) not in INVISIBLE_CATEGORIES
        for char in text
    )


class TypedTextMixin:
    """A form field mixin that checks text with ``text_validators`` in place of
    Django's NUL check.

    NUL is a control character, so one error names it together with the
    other control characters found. ``clean`` runs the checks on the text as
    sent, before the field strips it. Text that shows nothing, such as a few
    zero-width spaces, counts as empty.
    """

    text_validators = [validate_no_control_characters]
    default_error_messages = {
        "max_length": _(
            "This text is too long: it has %(show_value)d characters, and at most "
            "%(limit_value)d are allowed. Shorten it and try again."
        ),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]

    def bound_data(self, data, initial):
        # A browser cannot show NUL: it displays the character U+FFFD in its
        # place and sends that back, which would pass unseen. The form shows
        # the text without NUL, and its error still names U+0000.
        data = super().bound_data(data, initial)
        if isinstance(data, str):
            return data.replace("\x00", "")
        return data

    def clean(self, value):
        # CharField strips white space before the validators run, and Python
        # counts some control characters (U+001C to U+001F, U+0085) as white
        # space. Checking the text as sent rejects those at either end too.
        if isinstance(value, str):
            errors = []
            for validator in self.text_validators:
                try:
                    validator(value)
                except ValidationError as error:
                    if error.code in self.error_messages:
                        error.message = self.error_messages[error.code]
                    errors.append(error)
            if errors:
                raise ValidationError(errors)
        value = super().clean(value)
        if isinstance(value, str) and value and not has_visible_characters(value):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.empty_value
        return value


class MultilineField(TypedTextMixin, forms.CharField):
    """Text from a textarea, with every line break stored as "\\n".

    Browsers count a line break as one character against a textarea's
    maxlength but send it as "\\r\\n", so without this, text that fits the
    textarea could fail max_length on the server.
    """

    def to_python(self, value):
        return LINE_BREAK_REGEX.sub("\n", super().to_python(value))


SINGLE_LINE_VALIDATORS = [
    validate_no_control_characters,
    validate_no_directional_characters,
]


class SingleLineField(TypedTextMixin, forms.CharField):
    """Text from a one-line input, such as a subject or a name.

    Browsers send no line breaks from such an input, but a crafted request
    can, and the value may end up in an e-mail. Each line break and the
    white space around it become one space, as the ticket subject's are.
    """

    text_validators = SINGLE_LINE_VALIDATORS

    def to_python(self, value):
        return SPACED_LINE_BREAK_REGEX.sub(" ", super().to_python(value))


class SingleLineEmailField(TypedTextMixin, forms.EmailField):
    """An e-mail address with the checks of SingleLineField.

    Django's address check accepts directional formatting characters in the
    domain.
    """

    text_validators = SINGLE_LINE_VALIDATORS


class ServerMaxLengthMixin:
    """A form mixin that checks max_length on the server, never in the browser.

    A browser cuts text typed or pasted into a field with a maxlength
    attribute at that length without a word, so the end of a pasted log would
    be lost. The mixin renames each widget's maxlength to data-max-length:
    over-long text then reaches the form's check, which keeps the text and
    names its length and the limit. static/js/app.js shows a live count from
    data-max-length as the text nears the limit.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            max_length = field.widget.attrs.pop("maxlength", None)
            if max_length is not None:
                field.widget.attrs["data-max-length"] = max_length
