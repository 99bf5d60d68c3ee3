from django import forms
from django.contrib import admin, messages
from django.core.validators import MaxLengthValidator
from django.db.models import Count, ExpressionWrapper, F, FloatField, Q
from django.db.models.functions import NullIf
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from helpdesk.forms import MultilineField, ServerMaxLengthMixin, SingleLineField
from knowledge.models import Article, Category, KnowledgeGap
from knowledge.signals import reindex_articles

# Articles with fewer votes than this are left out of the least-helpful list,
# because one or two votes are too few to judge an article by.
LEAST_HELPFUL_MIN_VOTES = 3
LEAST_HELPFUL_LIMIT = 50
# Maximum lengths of the article texts, which the model leaves unbounded. The longest
# problem in fixtures/knowledge.json has 304 characters and the longest
# solution 1,877 (288 words), so these leave room for more than five times
# as much. The offline responder streams a solution word by word, 20 ms
# apart by default (HELPDESK_OFFLINE_WORD_DELAY), so a solution at the limit
# takes about half a minute: an estimate at the fixture's 6.5 characters a
# word. Claude gets each retrieved article in its prompt, so a long article
# costs tokens on every question that it matches. The admin form checks the
# limits, so they need no migration, and loaddata skips them.
ARTICLE_TEXT_MAX_LENGTHS = {"problem": 2000, "solution": 10000}


def with_vote_counts(queryset):
    """Annotate articles with their yes and no votes and the share of yes.

    The share is None for an article without votes.
    """
    queryset = queryset.annotate(
        helpful_votes=Count("votes", filter=Q(votes__helpful=True)),
        unhelpful_votes=Count("votes", filter=Q(votes__helpful=False)),
    )
    return queryset.annotate(
        helpful_share=ExpressionWrapper(
            F("helpful_votes")
            * 1.0
            / NullIf(F("helpful_votes") + F("unhelpful_votes"), 0),
            output_field=FloatField(),
        )
    )


class CategoryAdminForm(ServerMaxLengthMixin, forms.ModelForm):
    class Meta:
        model = Category
        fields = ["slug", "name_en", "name_ru", "position"]
        field_classes = {"name_en": SingleLineField, "name_ru": SingleLineField}


class ArticleAdminForm(ServerMaxLengthMixin, forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "category",
            "language",
            "title",
            "problem",
            "solution",
            "keywords",
            "is_published",
        ]
        field_classes = {
            "title": SingleLineField,
            "problem": MultilineField,
            "solution": MultilineField,
            "keywords": SingleLineField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, max_length in ARTICLE_TEXT_MAX_LENGTHS.items():
            field = self.fields[name]
            field.max_length = max_length
            field.validators.append(MaxLengthValidator(max_length))


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["slug", "name_en", "name_ru", "position", "article_count"]
    list_editable = ["name_en", "name_ru", "position"]
    search_fields = ["slug", "name_en", "name_ru"]

    def get_changelist_form(self, request, **kwargs):
        # Django builds the list_editable form from a plain ModelForm, which
        # would skip the character checks of CategoryAdminForm.
        return super().get_changelist_form(request, form=self.form, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, category):
        return category.article_count


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "category",
        "language",
        "is_published",
        "view_count",
        "helpful_votes",
        "unhelpful_votes",
        "helpfulness",
        "updated_at",
    ]
    list_filter = ["category", "language", "is_published"]
    search_fields = ["title", "keywords", "problem"]
    list_select_related = ["category"]
    readonly_fields = ["view_count", "created_at", "updated_at"]
    fields = [*ArticleAdminForm.Meta.fields, *readonly_fields]
    actions = ["publish", "unpublish"]
    change_list_template = "knowledge/admin/article_change_list.html"

    def get_queryset(self, request):
        return with_vote_counts(super().get_queryset(request))

    @admin.display(description=_("helped"), ordering="helpful_votes")
    def helpful_votes(self, article):
        return article.helpful_votes

    @admin.display(description=_("did not help"), ordering="unhelpful_votes")
    def unhelpful_votes(self, article):
        return article.unhelpful_votes

    @admin.display(description=_("helpfulness"), ordering="helpful_share")
    def helpfulness(self, article):
        if article.helpful_share is None:
            return "—"
        return f"{round(article.helpful_share * 100)}%"

    @admin.action(description=_("Publish selected articles"))
    def publish(self, request, queryset):
        self.set_published(request, queryset, True)

    @admin.action(description=_("Unpublish selected articles"))
    def unpublish(self, request, queryset):
        self.set_published(request, queryset, False)

    def set_published(self, request, queryset, is_published):
        ids = list(queryset.values_list("pk", flat=True))
        changed = Article.objects.filter(pk__in=ids).update(is_published=is_published)
        # update() sends no post_save, so the search index is updated here.
        reindex_articles(Article.objects.filter(pk__in=ids))
        message = ngettext(
            "%(count)d article updated.", "%(count)d articles updated.", changed
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    def get_urls(self):
        least_helpful = path(
            "least-helpful/",
            self.admin_site.admin_view(self.least_helpful_view),
            name="knowledge_article_least_helpful",
        )
        return [least_helpful, *super().get_urls()]

    def least_helpful_view(self, request):
        """List the articles with the lowest share of "helped" votes."""
        articles = (
            with_vote_counts(Article.objects.select_related("category"))
            .annotate(vote_count=F("helpful_votes") + F("unhelpful_votes"))
            .filter(vote_count__gte=LEAST_HELPFUL_MIN_VOTES)
            .order_by("helpful_share", "-unhelpful_votes", "title")[
                :LEAST_HELPFUL_LIMIT
            ]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Least helpful articles"),
            "articles": articles,
            "min_votes": LEAST_HELPFUL_MIN_VOTES,
        }
        return TemplateResponse(request, "knowledge/admin/least_helpful.html", context)


@admin.register(KnowledgeGap)
class GapAdmin(admin.ModelAdmin):
    list_display = ["question", "count", "language", "last_asked_at", "first_asked_at"]
    list_filter = ["language"]
    search_fields = ["question", "normalized"]
    readonly_fields = [
        "question",
        "normalized",
        "language",
        "count",
        "first_asked_at",
        "last_asked_at",
    ]
    date_hierarchy = "last_asked_at"

    def has_add_permission(self, request):
        return False
