from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name_en = models.CharField(_("name in English"), max_length=100)
    name_ru = models.CharField(_("name in Russian"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self):
        if (get_language() or "en").startswith("ru"):
            return self.name_ru
        return self.name_en


class Article(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        RUSSIAN = "ru", _("Russian")

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(
        _("problem"), help_text=_("The symptoms, in the words employees use.")
    )
    solution = models.TextField(
        _("solution"), help_text=_("Step-by-step instructions in Markdown.")
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_(
            "Comma-separated synonyms, slang and product names that should "
            "find this article, for example: впн, vpn, anyconnect."
        ),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    is_published = models.BooleanField(_("published"), default=True)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category__position", "title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["is_published", "category"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledge:article", args=[self.pk])


class Vote(models.Model):
    """An employee's yes or no to "Did this help?" under an article.

    Each employee has one vote per article: a signed-in employee is known by
    their user, an anonymous one by their session key. Voting again changes
    the vote.
    """

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="votes",
        verbose_name=_("article"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employee"),
    )
    session_key = models.CharField(_("session"), max_length=40, blank=True)
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=models.Q(user__isnull=False),
                name="knowledge_vote_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=models.Q(user__isnull=True),
                name="knowledge_vote_one_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(session_key=""),
                name="knowledge_vote_has_voter",
            ),
        ]

    def __str__(self):
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class KnowledgeGap(models.Model):
    """A question that no article answered, counted once per normalized form."""

    question = models.TextField(_("question"), help_text=_("The latest wording."))
    normalized = models.CharField(_("normalized question"), max_length=500, unique=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Article.Language, blank=True
    )
    count = models.PositiveIntegerField(_("times asked"), default=1)
    first_asked_at = models.DateTimeField(_("first asked"), auto_now_add=True)
    last_asked_at = models.DateTimeField(_("last asked"), db_index=True)

    class Meta:
        ordering = ["-last_asked_at"]
        verbose_name = _("knowledge gap")
        verbose_name_plural = _("knowledge gaps")

    def __str__(self):
        return self.normalized
