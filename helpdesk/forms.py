"""Form fields shared by the chat, the tickets and the knowledge base."""

import re

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from helpdesk.validators import (
    validate_no_control_characters,
    validate_no_directional_characters,
)

LINE_BREAK_REGEX = re.compile(r"\r\n?")


class TypedTextMixin:
    """A form field mixin that checks text with ``text_validators`` in place of
    Django's NUL check.

    NUL is a control character, so one error names it together with the
    other control characters found.
    """

    text_validators = [validate_no_control_characters]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ]
        self.validators.extend(self.text_validators)


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
    """Text from a one-line input, such as a subject or a name."""

    text_validators = SINGLE_LINE_VALIDATORS


class SingleLineEmailField(TypedTextMixin, forms.EmailField):
    """An e-mail address with the checks of SingleLineField.

    Django's address check accepts directional formatting characters in the
    domain.
    """

    text_validators = SINGLE_LINE_VALIDATORS
