"""The ticket form of the admin's add and change pages."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from helpdesk.forms import MultilineField, SingleLineEmailField, SingleLineField
from tickets import workflow
from tickets.models import Ticket

# Characters of a stored text value quoted in an error message.
QUOTED_VALUE_LENGTH = 80


class TicketAdminForm(forms.ModelForm):
    """Ticket fields for staff that keep changes made after the page loaded.

    A change page sends, next to each field, the value that the page was
    loaded with (Django's ``show_hidden_initial``). A field that the staff
    member left alone takes the value stored now, so a saved page does not
    undo an employee's reply or another staff member's change made in the
    meantime. A field that both changed, to different values, is rejected
    with the stored value in the error, and the page keeps what was typed.
    """

    language = forms.ChoiceField(
        label=capfirst(Ticket._meta.get_field("language").verbose_name),
        help_text=Ticket._meta.get_field("language").help_text,
    )

    class Meta:
        model = Ticket
        fields = [
            "subject",
            "description",
            "status",
            "priority",
            "assignee",
            "category",
            "requester_name",
            "requester_email",
            "user",
            "language",
            "conversation",
        ]
        field_classes = {
            "subject": SingleLineField,
            "description": MultilineField,
            "requester_name": SingleLineField,
            "requester_email": SingleLineEmailField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_languages()
        if self.instance.pk is None:
            return
        self.offer_allowed_statuses()
        for field in self.fields.values():
            field.show_hidden_initial = True

    def offer_languages(self):
        field = self.fields["language"]
        choices = list(settings.LANGUAGES)
        stored = self.instance.language
        if self.instance.pk is not None and stored not in dict(choices):
            # Tickets that staff created before the language could be set
            # have none, and their e-mails go in the language of the staff
            # member who acts.
            choices.insert(0, (stored, stored or "—"))
            field.required = bool(stored)
        field.choices = choices

    def offer_allowed_statuses(self):
        # Offer only the allowed statuses, but validate against all of them
        # so that a stale form gets the transition message from clean.
        status = self.fields.get("status")
        if status is None:
            return
        current = self.instance.status
        allowed = {current, *workflow.allowed_statuses(current)}
        status.widget.choices = [
            (value, label) for value, label in status.choices if value in allowed
        ]

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None:
            self.keep_changes_made_meanwhile(cleaned_data)
            self.check_status_transition(cleaned_data)
        return cleaned_data

    def keep_changes_made_meanwhile(self, cleaned_data):
        """Merge the posted values with the ones stored after the page loaded.

        ``self.instance`` was read in this request, so it contains the stored
        values. The page shown again after an error gets the stored values as
        its loaded ones, so saving it again saves what it shows.
        """
        refreshed_data = {}
        for name, field in self.fields.items():
            bound = self[name]
            if bound.html_initial_name not in self.data:
                # A page that sent no loaded values: its values win.
                continue
            loaded = field.hidden_widget().value_from_datadict(
                self.data, self.files, bound.html_initial_name
            )
            stored = bound.initial
            if not value_differs(field, stored, loaded):
                continue
            stored_data = "" if stored is None else str(stored)
            refreshed_data[bound.html_initial_name] = stored_data
            if name not in self.changed_data:
                if name in cleaned_data:
                    cleaned_data[name] = getattr(self.instance, name)
                    refreshed_data[bound.html_name] = stored_data
            elif value_differs(field, stored, bound.data):
                self.add_error(
                    name,
                    ValidationError(self.conflict_message(name), code="changed"),
                )
        if refreshed_data:
            self.data = self.data.copy()
            for key, value in refreshed_data.items():
                self.data[key] = value

    def conflict_message(self, name):
        value = self.stored_display(name)
        if name == "status":
            message = _(
                "The status changed to “%(value)s” after you opened this page, "
                "for example because the employee replied. Nothing is saved "
                "yet, and your entries are kept: check the status and save "
                "again."
            )
        else:
            message = _(
                "This field changed to “%(value)s” after you opened this page. "
                "Nothing is saved yet, and your entries are kept: check the "
                "value and save again."
            )
        return message % {"value": value}

    def stored_display(self, name):
        """Return the stored value of a field as the page shows it."""
        value = getattr(self.instance, name)
        if Ticket._meta.get_field(name).choices:
            return getattr(self.instance, f"get_{name}_display")()
        if name == "language":
            value = dict(settings.LANGUAGES).get(value, value)
        if value is None or value == "":
            return "—"
        return Truncator(str(value)).chars(QUOTED_VALUE_LENGTH)

    def check_status_transition(self, cleaned_data):
        new_status = cleaned_data.get("status")
        old_status = self.instance.status
        if (
            new_status
            and new_status != old_status
            and not workflow.can_change_status(old_status, new_status)
        ):
            self.add_error(
                "status",
                ValidationError(
                    workflow.transition_error_message(old_status, new_status),
                    code="invalid_transition",
                ),
            )


def value_differs(field, initial, data):
    """Return whether form ``data`` differs from the field value ``initial``.

    A stored text goes through the field's ``to_python`` as the data does,
    so that line breaks and surrounding white space do not count.
    """
    if isinstance(initial, str):
        try:
            initial = field.to_python(initial)
        except ValidationError:
            pass
    return field.has_changed(initial, data)
