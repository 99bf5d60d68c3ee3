import uuid

from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from knowledge.markdown import render_markdown
from knowledge.models import Article

# Orders the articles of Message.cited_articles as the reply ranked them.
CITATION_ORDER = ["citations__position", "citations__pk"]


class Conversation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("employee"),
    )
    session_key = models.CharField(_("session"), max_length=40, blank=True)
    category = models.ForeignKey(
        "knowledge.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # The daily token budget of anonymous visitors is summed by session.
        indexes = [models.Index(fields=["session_key"], name="chat_conv_session_idx")]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self):
        return str(self.public_id)[:8]


class Message(models.Model):
    class Role(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        ASSISTANT = "assistant", _("Assistant")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        STREAMING = "streaming", _("Streaming")
        COMPLETE = "complete", _("Complete")
        INTERRUPTED = "interrupted", _("Interrupted")
        FAILED = "failed", _("Failed")

    FINAL_STATUSES = (Status.COMPLETE, Status.INTERRUPTED, Status.FAILED)
    # Fields whose change can change text_html.
    HTML_SOURCE_FIELDS = frozenset({"text", "role", "status"})

    class Handoff(models.TextChoices):
        NONE = "", _("None")
        LOW_CONFIDENCE = "low_confidence", _("Low confidence")
        ASKED_FOR_PERSON = "asked_for_person", _("Asked for a person")
        ASSISTANT_ERROR = "assistant_error", _("Assistant error")
        DAILY_LIMIT = "daily_limit", _("Daily limit reached")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=10, choices=Role)
    text = models.TextField(_("text"), blank=True)
    # The text of a finished assistant reply rendered by render_markdown,
    # stored by save() so that the chat page does not render it on every
    # view. It is empty for other messages and for replies that
    # QuerySet.update() finished, such as interrupted ones. Code that changes
    # the text of a finished reply with update() must clear it as well.
    text_html = models.TextField(_("text as HTML"), blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.COMPLETE
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    confidence_reason = models.CharField(
        _("confidence reason"), max_length=300, blank=True
    )
    handoff = models.CharField(
        _("ticket offered because"), max_length=20, choices=Handoff, blank=True
    )
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    # Citation.position keeps the order of the reply's sources, most
    # relevant first. Read them through ``sources`` or sources_prefetch(),
    # because ``cited_articles.all()`` follows the Article ordering.
    cited_articles = models.ManyToManyField(
        "knowledge.Article",
        through="Citation",
        blank=True,
        related_name="citing_messages",
        verbose_name=_("cited articles"),
    )
    suggested_category = models.ForeignKey(
        "knowledge.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested category"),
    )
    helpful = models.BooleanField(_("helpful"), null=True, blank=True)
    responder = models.CharField(_("responder"), max_length=30, blank=True)
    # Set when the employee's daily token budget kept Claude from replying.
    # Only the first such reply of a conversation on a day starts with the
    # notice, so later ones look this flag up.
    daily_limit_reached = models.BooleanField(_("daily limit reached"), default=False)
    model = models.CharField(_("model"), max_length=100, blank=True)
    input_tokens = models.PositiveIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveIntegerField(_("output tokens"), default=0)
    cache_read_tokens = models.PositiveIntegerField(_("cache read tokens"), default=0)
    cache_write_tokens = models.PositiveIntegerField(_("cache write tokens"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # The daily token budget sums an employee's messages since midnight.
        indexes = [
            models.Index(
                fields=["conversation", "created_at"], name="chat_msg_conv_created_idx"
            )
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.get_role_display()} {self.public_id}"

    def save(self, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.text_html = self.render_text_html()
        elif not self.HTML_SOURCE_FIELDS.isdisjoint(update_fields):
            self.text_html = self.render_text_html()
            kwargs["update_fields"] = {*update_fields, "text_html"}
        super().save(**kwargs)

    @classmethod
    def stopped_fields(cls, text):
        """Return the fields to update on a reply that stopped with ``text``.

        A reply with text is interrupted, which is final, so it gets its HTML
        as save() would give it. One without text goes back to pending, so
        that the next connection generates it instead of showing an empty
        bubble.
        """
        if text:
            status, html = cls.Status.INTERRUPTED, render_markdown(text)
        else:
            status, html = cls.Status.PENDING, ""
        return {"text": text, "text_html": html, "status": status}

    def render_text_html(self):
        """Return the value of text_html for the current text, role and status."""
        if self.role == self.Role.ASSISTANT and self.is_final:
            return render_markdown(self.text)
        return ""

    @property
    def html(self):
        """The text of an assistant reply as sanitized HTML.

        Comes from text_html, or from render_markdown when that is empty, as
        for replies saved before the field existed. Both give the same HTML
        for the same text.
        """
        if self.text_html:
            # render_markdown sanitized it before it was stored.
            return mark_safe(self.text_html)
        return render_markdown(self.text)

    @cached_property
    def sources(self):
        """The cited articles in citation order, which sources_prefetch() can fill."""
        return list(self.cited_articles.order_by(*CITATION_ORDER))

    def set_citations(self, article_ids):
        """Replace the cited articles with ``article_ids``, in that order."""
        self.citations.all().delete()
        Citation.objects.bulk_create(
            Citation(message=self, article_id=article_id, position=position)
            for position, article_id in enumerate(article_ids)
        )
        self.__dict__.pop("sources", None)

    @property
    def is_final(self):
        return self.status in self.FINAL_STATUSES

    @property
    def offers_ticket(self):
        return bool(self.handoff) or self.status == self.Status.INTERRUPTED


class Citation(models.Model):
    """An article that an assistant reply cites, at its place among the sources.

    The table is the one that Django created for ``cited_articles`` before
    the order was stored. Older citations have position 0, so they are
    listed in the order of their rows, which is not their relevance.
    """

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="citations"
    )
    article = models.ForeignKey(
        "knowledge.Article", on_delete=models.CASCADE, related_name="citations"
    )
    # 0 is the article that the reply relies on most.
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        db_table = "chat_message_cited_articles"
        # The constraint of the table that Django created, under its name.
        unique_together = [("message", "article")]
        ordering = ["position", "pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")

    def __str__(self):
        return f"{self.message_id}: {self.article_id} at {self.position}"


def sources_prefetch(articles=None):
    """Return the Prefetch that fills Message.sources in citation order.

    ``articles`` is the Article queryset to read, for example one limited
    with only(); by default all fields are read.
    """
    if articles is None:
        articles = Article.objects.all()
    return Prefetch(
        "cited_articles",
        queryset=articles.order_by(*CITATION_ORDER),
        to_attr="sources",
    )
