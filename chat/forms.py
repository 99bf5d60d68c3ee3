import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import MultilineField
from knowledge.models import Category

MESSAGE_MAX_LENGTH = 4000


class MessageForm(forms.Form):
    text = MultilineField(
        label=_("Describe your problem"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _(
                    "For example: VPN does not connect since this morning"
                ),
                "maxlength": MESSAGE_MAX_LENGTH,
            }
        ),
        error_messages={
            "required": _("Type your question first."),
            "max_length": _(
                "The message is too long: it can have at most %(limit_value)d "
                "characters (it has %(show_value)d)."
            ),
            # PostgreSQL cannot store NUL in text, so the message is rejected
            # rather than changed behind the employee's back.
            "null_characters_not_allowed": _(
                "The message contains a null character, which usually comes "
                "from pasted binary data. Remove it and send the message again."
            ),
        },
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("Any category"),
        to_field_name="slug",
        # The ticket form that the chat page loads has its own "id_category".
        widget=forms.Select(attrs={"id": "id_message_category"}),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        # Zero-width spaces and other format characters show nothing, so a
        # message of only those and white space is empty to the employee.
        visible = [
            char
            for char in text
            if not char.isspace() and unicodedata.category(char) != "Cf"
        ]
        if not visible:
            raise forms.ValidationError(
                self.fields["text"].error_messages["required"], code="required"
            )
        return text
