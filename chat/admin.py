from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from chat.models import Conversation, Message, sources_prefetch


class ReadOnlyAdminMixin:
    """Conversations are evidence of what the assistant said: never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "role",
        "text",
        "status",
        "confidence",
        "confidence_reason",
        "handoff",
        "sources",
        "responder",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(sources_prefetch())

    @admin.display(description=_("sources"))
    def sources(self, message):
        return ", ".join(article.title for article in message.sources)


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "created_at", "user", "category", "message_count"]
    list_filter = ["category", "created_at"]
    search_fields = ["public_id", "user__username", "user__email"]
    list_select_related = ["user", "category"]
    readonly_fields = ["public_id", "user", "category", "created_at"]
    exclude = ["session_key"]
    date_hierarchy = "created_at"
    inlines = [MessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(message_total=Count("messages"))

    @admin.display(description=_("messages"), ordering="message_total")
    def message_count(self, conversation):
        return conversation.message_total


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "role",
        "status",
        "confidence",
        "handoff",
        "responder",
        "helpful",
    ]
    list_filter = ["role", "status", "handoff", "responder", "helpful"]
    list_select_related = ["conversation"]
    date_hierarchy = "created_at"
    # text_html repeats the text as markup, which staff read in "text".
    readonly_fields = [
        field.name for field in Message._meta.fields if field.name != "text_html"
    ] + ["sources"]

    @admin.display(description=_("sources"))
    def sources(self, message):
        return ", ".join(article.title for article in message.sources)
