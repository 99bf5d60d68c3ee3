"""The message form's widgets give the HTML of Django's widget templates."""

import pytest
from django import forms
from django.utils import translation

from chat.forms import CategorySelect, MessageForm, MessageTextarea
from knowledge.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def template_html(bound_field):
    """Render the field with Django's own widget class, which uses its templates."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.Select):
        standard = forms.Select(attrs=widget.attrs, choices=widget.choices)
    else:
        standard = forms.Textarea(attrs=widget.attrs)
    return bound_field.as_widget(widget=standard)


@pytest.fixture
def categories(db):
    CategoryFactory(slug="network", name_en="Network & VPN", name_ru="Сеть и VPN")
    CategoryFactory(slug="printers", name_en="Printers", name_ru="Принтеры")


@pytest.mark.parametrize(
    "form",
    [
        lambda: MessageForm(),
        lambda: MessageForm(initial={"category": "printers"}),
        lambda: MessageForm({"text": 'Line <b>1</b>\n"2" & 3', "category": "network"}),
        lambda: MessageForm({"text": "   ", "category": "unknown"}),
    ],
    ids=["empty", "initial category", "posted", "errors"],
)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_widgets_match_django_templates(categories, form, language):
    with translation.override(language):
        bound = form()
        bound.is_valid()

        for name in ("text", "category"):
            assert str(bound[name]) == template_html(bound[name])


def test_errors_mark_fields_invalid(categories):
    form = MessageForm({"text": "", "category": "unknown"})
    form.is_valid()

    assert 'aria-invalid="true"' in str(form["text"])
    assert 'aria-invalid="true"' in str(form["category"])


def test_select_matches_template_with_groups():
    choices = [("", "Any"), ("Office", [("print", "Print <A4>"), ("scan", "Scan")])]
    widget = CategorySelect(attrs={"id": "id_kind", "disabled": True}, choices=choices)

    html = widget.render("kind", "scan")

    assert html == forms.Select.render(widget, "kind", "scan")
    assert '<optgroup label="Office">' in html


def test_textarea_matches_template_with_boolean_attributes():
    attrs = {"required": True, "autofocus": False, "rows": 0, "title": None}
    widget = MessageTextarea(attrs=attrs)

    html = widget.render("text", "<script>")

    assert html == forms.Textarea.render(widget, "text", "<script>")
    assert "&lt;script&gt;" in html
