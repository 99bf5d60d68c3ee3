import hashlib
import json
import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import (
    MultilineField,
    ServerMaxLengthMixin,
    SingleLineEmailField,
    SingleLineField,
)
from knowledge.models import Category
from tickets.models import Comment, Ticket

SUBMISSION_TOKEN_REGEX = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_submission_token():
    return secrets.token_urlsafe(16)


class TicketForm(ServerMaxLengthMixin, forms.ModelForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("Not sure"),
    )
    # A random value of each rendered form, so that the view can tell a form
    # sent again, as after the browser's Back button, from a new one.
    submission_token = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Ticket
        fields = [
            "requester_name",
            "requester_email",
            "category",
            "subject",
            "description",
        ]
        labels = {
            "requester_name": _("Your name"),
            "requester_email": _("Your e-mail"),
            "subject": _("Subject"),
            "description": _("Description"),
        }
        help_texts = {
            "requester_email": _("Updates and the tracking link are sent here."),
            "description": _(
                "What happens, since when, and what you have already tried."
            ),
        }
        field_classes = {
            "requester_name": SingleLineField,
            "requester_email": SingleLineEmailField,
            "subject": SingleLineField,
            "description": MultilineField,
        }
        widgets = {
            "requester_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "requester_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "description": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_token"] = new_submission_token()

    def clean_subject(self):
        # The subject goes into e-mail headers, which cannot contain line breaks.
        return " ".join(self.cleaned_data["subject"].split())

    def clean_submission_token(self):
        # A missing or malformed token, as from a page rendered before tokens
        # existed, leaves only the comparison of the fields to recognize a
        # form that is sent again.
        token = self.cleaned_data["submission_token"]
        return token if SUBMISSION_TOKEN_REGEX.fullmatch(token) else ""

    def content_digest(self):
        """Return a hash of the cleaned ticket fields, to compare two submissions."""
        data = self.cleaned_data
        category = data["category"]
        values = [
            data["requester_name"],
            data["requester_email"],
            category.pk if category else None,
            data["subject"],
            data["description"],
        ]
        return hashlib.sha256(json.dumps(values).encode()).hexdigest()


class ReplyForm(ServerMaxLengthMixin, forms.Form):
    body = MultilineField(
        label=_("Your reply"),
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RatingForm(ServerMaxLengthMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was the problem solved?"),
        choices=[(value, str(value)) for value in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 is poor, 5 is excellent."),
    )
    comment = MultilineField(
        label=_("Comment (optional)"),
        required=False,
        max_length=Ticket._meta.get_field("rating_comment").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
