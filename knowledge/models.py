from django.db import models
from django.urls import reverse
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
        from django.utils.translation import get_language

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
