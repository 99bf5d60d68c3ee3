from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import SingleLineField
from knowledge.models import Category


class SearchForm(forms.Form):
    q = SingleLineField(
        label=_("Search the knowledge base"),
        max_length=200,
        required=False,
        error_messages={
            "max_length": _(
                "The search text is too long: shorten it to %(limit_value)d "
                "characters or fewer (it has %(show_value)d)."
            )
        },
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
