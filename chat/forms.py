from django import forms
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.forms.models import ModelChoiceIterator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import MultilineField, ServerMaxLengthMixin
from knowledge.models import Category

MESSAGE_MAX_LENGTH = 4000
CATEGORY_CACHE_KEY = "chat:categories"
# Seconds for which the message form uses a cached category list. Saving or
# deleting a category clears the list in processes that imported this module,
# which every web process does through its URLconf. The timeout bounds how
# long other changes stay unseen, such as loaddata run in another process.
CATEGORY_CACHE_TIMEOUT = 60


def list_categories():
    """Return every category in display order, from the cache when it has them.

    The instances carry the id, slug and names only, which is what the
    category select shows.
    """
    rows = cache.get(CATEGORY_CACHE_KEY)
    if rows is None:
        rows = list(Category.objects.values("id", "slug", "name_en", "name_ru"))
        cache.set(CATEGORY_CACHE_KEY, rows, CATEGORY_CACHE_TIMEOUT)
    return [Category(**row) for row in rows]


@receiver(
    [post_save, post_delete], sender=Category, dispatch_uid="chat_clear_categories"
)
def clear_category_cache(**kwargs):
    cache.delete(CATEGORY_CACHE_KEY)
    # Again after the commit, because another request may cache the old list
    # before the change is visible to it.
    transaction.on_commit(lambda: cache.delete(CATEGORY_CACHE_KEY))


class CachedCategoryIterator(ModelChoiceIterator):
    """Choices from list_categories(), so that rendering them runs no query."""

    @cached_property
    def categories(self):
        # Rendering asks for the length and truth of the choices as well as
        # their items, so one cache read serves all three.
        return list_categories()

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for category in self.categories:
            yield self.choice(category)

    def __len__(self):
        return len(self.categories) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.categories)


class CategoryChoiceField(forms.ModelChoiceField):
    """A choice of any category, shown from the cache and checked in the database."""

    iterator = CachedCategoryIterator

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.all(), **kwargs)


# The chat page renders the message form on every view. Django renders a
# widget through its form templates, with one include per option and per
# attribute list, which was about a third of the page's CPU time for a new
# visitor (bench/page_render.py). These widgets build the same HTML in
# Python, and chat/tests/test_message_form_widgets.py compares the two.


def render_attrs(attrs):
    """Return ``attrs`` as HTML, as Django's "django/forms/widgets/attrs.html" does."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return mark_safe("".join(parts))


class MessageTextarea(forms.Textarea):
    """A textarea that builds the HTML of "django/forms/widgets/textarea.html"."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            widget["name"],
            render_attrs(widget["attrs"]),
            widget["value"] or "",
        )


class CategorySelect(forms.Select):
    """A select that builds the HTML of "django/forms/widgets/select.html"."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            format_html(
                '<select name="{}"{}>', widget["name"], render_attrs(widget["attrs"])
            )
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        render_attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class MessageForm(ServerMaxLengthMixin, forms.Form):
    text = MultilineField(
        label=_("Describe your problem"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=MessageTextarea(
            attrs={
                "rows": 3,
                "placeholder": _(
                    "For example: VPN does not connect since this morning"
                ),
            }
        ),
        error_messages={
            "required": _("Type your question first."),
            "max_length": _(
                "The message is too long: it can have at most %(limit_value)d "
                "characters (it has %(show_value)d)."
            ),
            # Control characters, NUL among them, are rejected rather than
            # removed behind the employee's back. PostgreSQL cannot store NUL
            # in text at all.
            "control_characters_not_allowed": _(
                "The message contains invisible control characters "
                "(%(characters)s), which usually come from pasted terminal "
                "output or binary data. Remove them and send the message again."
            ),
        },
    )
    category = CategoryChoiceField(
        label=_("Category"),
        required=False,
        empty_label=_("Any category"),
        to_field_name="slug",
        # The ticket form that the chat page loads has its own "id_category".
        widget=CategorySelect(attrs={"id": "id_message_category"}),
    )

    @classmethod
    def for_conversation(cls, conversation):
        """Return an unbound form that starts with the conversation's category."""
        if conversation is None or conversation.category_id is None:
            return cls()
        # The cached list saves the query of conversation.category.
        categories = {category.pk: category for category in list_categories()}
        category = categories.get(conversation.category_id) or conversation.category
        return cls(initial={"category": category})
