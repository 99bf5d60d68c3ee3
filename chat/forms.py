from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import Category

MESSAGE_MAX_LENGTH = 4000


class MessageForm(forms.Form):
    text = forms.CharField(
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
                "The message is too long: keep it under %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("Any category"),
        to_field_name="slug",
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if "\x00" in text:
            raise forms.ValidationError(_("The message contains invalid characters."))
        return text
