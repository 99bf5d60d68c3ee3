from django.contrib import messages
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from knowledge.forms import SearchForm, VoteForm
from knowledge.highlight import highlight
from knowledge.markdown import render_markdown
from knowledge.models import Article, Category, Vote
from knowledge.search import search

RESULT_LIMIT = 20
SNIPPET_LENGTH = 240


def get_article(request, pk):
    """Return the article, or raise 404 unless it is published or for staff."""
    articles = Article.objects.select_related("category")
    if not request.user.is_staff:
        articles = articles.filter(is_published=True)
    return get_object_or_404(articles, pk=pk)


def voter_filter(request):
    """Return the lookup that finds this employee's votes.

    Anonymous employees are known by their session, which is created here if
    they have none yet.
    """
    if request.user.is_authenticated:
        return {"user": request.user}
    if not request.session.session_key:
        request.session.create()
    return {"user": None, "session_key": request.session.session_key}


def search_results(query, category):
    """Return the hits for ``query`` with their title and snippet highlighted."""
    results = []
    for hit in search(query, category=category, limit=RESULT_LIMIT, operators=True):
        snippet = Truncator(hit.article.problem).chars(SNIPPET_LENGTH)
        results.append(
            {
                "hit": hit,
                "title": highlight(hit.article.title, query),
                "snippet": highlight(snippet, query),
            }
        )
    return results


@require_GET
def index(request):
    form = SearchForm(request.GET)
    query = ""
    category = None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        category = form.cleaned_data["category"]

    context = {"form": form, "query": query, "category": category}
    if query:
        context["results"] = search_results(query, category)
    elif form.is_valid():
        published = Article.objects.filter(is_published=True).order_by("title")
        categories = Category.objects.prefetch_related(
            Prefetch("articles", queryset=published, to_attr="published_articles")
        )
        if category:
            categories = categories.filter(pk=category.pk)
        context["categories"] = [c for c in categories if c.published_articles]

    # A history restore after a cache miss needs the whole page back.
    template = "knowledge/index.html"
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


@require_GET
def show_article(request, pk):
    article = get_article(request, pk)
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    vote = Vote.objects.filter(article=article, **voter_filter(request)).first()
    context = {
        "article": article,
        "solution_html": render_markdown(article.solution),
        "vote": vote,
    }
    return render(request, "knowledge/article.html", context)


@require_POST
def vote_article(request, pk):
    article = get_article(request, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "knowledge/article.html#feedback",
            {"article": article, "vote": None, "vote_form": form},
            status=422,
        )

    vote, _created = Vote.objects.update_or_create(
        article=article,
        **voter_filter(request),
        defaults={"helpful": form.cleaned_data["helpful"]},
    )
    if request.htmx:
        context = {"article": article, "vote": vote}
        return render(request, "knowledge/article.html#feedback", context)
    messages.success(request, _("Thank you for your feedback."))
    return redirect(article)
