"""Form fields shared by the chat and the tickets."""

import re

from django import forms

LINE_BREAK_REGEX = re.compile(r"\r\n?")


class MultilineField(forms.CharField):
    """Text from a textarea, with every line break stored as "\\n".

    Browsers count a line break as one character against a textarea's
    maxlength but send it as "\\r\\n", so without this, text that fits the
    textarea could fail max_length on the server.
    """

    def to_python(self, value):
        return LINE_BREAK_REGEX.sub("\n", super().to_python(value))
