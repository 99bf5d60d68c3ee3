import pytest
from django.urls import reverse

from knowledge.gaps import record_gap
from knowledge.models import Article, Vote
from knowledge.search import search
from knowledge.tests.factories import ArticleFactory, CategoryFactory


@pytest.fixture
def voted_articles(db):
    good = ArticleFactory(title="Good article")
    bad = ArticleFactory(title="Bad article")
    for number in range(3):
        Vote.objects.create(article=good, session_key=f"good{number}", helpful=True)
        Vote.objects.create(article=bad, session_key=f"bad{number}", helpful=False)
    return good, bad


def test_article_changelist_shows_helpfulness(admin_client, voted_articles):
    response = admin_client.get(reverse("admin:knowledge_article_changelist"))

    assert response.status_code == 200
    assert "100%" in response.text
    assert "0%" in response.text


def test_article_changelist_filters_and_searches(admin_client, voted_articles):
    response = admin_client.get(
        reverse("admin:knowledge_article_changelist"),
        {"q": "Good", "language__exact": "en", "is_published__exact": "1"},
    )

    assert response.status_code == 200
    assert "Good article" in response.text
    assert "Bad article" not in response.text


def test_least_helpful_lists_worst_first(admin_client, voted_articles):
    ArticleFactory(title="Article without votes")

    response = admin_client.get(reverse("admin:knowledge_article_least_helpful"))

    assert response.status_code == 200
    assert response.text.index("Bad article") < response.text.index("Good article")
    assert "Article without votes" not in response.text


def test_least_helpful_requires_staff(client, voted_articles):
    response = client.get(reverse("admin:knowledge_article_least_helpful"))

    assert response.status_code == 302


def test_unpublish_action_updates_index(admin_client, db):
    article = ArticleFactory(title="Scanner shows a blank page")

    admin_client.post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "unpublish", "_selected_action": [article.pk]},
    )

    article.refresh_from_db()
    assert article.is_published is False
    assert search("scanner") == []


def test_publish_action_updates_index(admin_client, db):
    article = ArticleFactory(title="Scanner shows a blank page", is_published=False)

    admin_client.post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )

    assert [hit.article for hit in search("scanner")] == [article]


def test_category_list_editable(admin_client, db):
    category = CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")

    response = admin_client.get(reverse("admin:knowledge_category_changelist"))

    assert response.status_code == 200
    assert f'name="form-0-name_en" value="{category.name_en}"' in response.text


def test_gap_list_shows_counts(admin_client, db):
    record_gap("Как оформить отпуск?", "ru")
    record_gap("как оформить отпуск", "ru")

    response = admin_client.get(reverse("admin:knowledge_knowledgegap_changelist"))

    assert response.status_code == 200
    assert "как оформить отпуск" in response.text


def test_article_edit_in_admin_reindexes(admin_client, db):
    article = ArticleFactory(title="Scanner shows a blank page")
    url = reverse("admin:knowledge_article_change", args=[article.pk])

    admin_client.post(
        url,
        {
            "category": article.category.pk,
            "language": "en",
            "title": "Plotter shows a blank page",
            "problem": article.problem,
            "solution": article.solution,
            "keywords": "",
            "is_published": "on",
        },
    )

    assert Article.objects.get().title == "Plotter shows a blank page"
    assert [hit.article for hit in search("plotter")] == [article]


CONTROL_ERROR = "This text contains invisible control characters"
DIRECTIONAL_ERROR = "This text contains invisible characters that change the reading"


@pytest.mark.parametrize(
    ("name", "value", "expected_error"),
    [
        ("title", "Scanner \u202eegap knalb", DIRECTIONAL_ERROR),
        ("problem", "Shows \x1b[31mERROR\x1b[0m", CONTROL_ERROR),
        ("solution", "1. Restart\x07 it.\n2. Call IT.", CONTROL_ERROR),
        ("keywords", "scanner,\x7f blank", CONTROL_ERROR),
    ],
)
def test_article_field_rejects_hidden_characters(
    admin_client, db, name, value, expected_error
):
    article = ArticleFactory(title="Scanner shows a blank page")
    url = reverse("admin:knowledge_article_change", args=[article.pk])
    data = {
        "category": article.category.pk,
        "language": "en",
        "title": article.title,
        "problem": "Пустая страница при сканировании 📠",
        "solution": "1. Откройте\tнастройки.\r\n2. Файл \u2067ملف\u2069.",
        "keywords": "",
        "is_published": "on",
        name: value,
    }

    response = admin_client.post(url, data)

    form = response.context["adminform"].form
    errors = [str(error) for error in form.errors[name]]
    assert response.status_code == 200
    assert list(form.errors) == [name]
    assert any(error.startswith(expected_error) for error in errors), errors
    assert value in response.text
    assert Article.objects.get().problem == article.problem


def test_category_list_rejects_directional_characters(admin_client, db):
    category = CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")
    name = "Network \u202eevil"

    response = admin_client.post(
        reverse("admin:knowledge_category_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": category.pk,
            "form-0-name_en": name,
            "form-0-name_ru": "Сеть",
            "form-0-position": "0",
            "_save": "Save",
        },
    )

    category.refresh_from_db()
    assert response.status_code == 200
    assert category.name_en == "Network"
    assert DIRECTIONAL_ERROR in response.text
    assert f'value="{name}"' in response.text


def article_form_data(article, **overrides):
    return {
        "category": article.category.pk,
        "language": "en",
        "title": article.title,
        "problem": article.problem,
        "solution": article.solution,
        "keywords": "",
        "is_published": "on",
        **overrides,
    }


@pytest.mark.parametrize(
    ("name", "max_length"),
    [("title", 200), ("problem", 2000), ("solution", 10000), ("keywords", 500)],
)
def test_overlong_article_field_rejected_and_kept(admin_client, db, name, max_length):
    article = ArticleFactory(title="Scanner shows a blank page")
    url = reverse("admin:knowledge_article_change", args=[article.pk])
    value = ("word " * max_length)[: max_length + 1]

    response = admin_client.post(url, article_form_data(article, **{name: value}))

    article.refresh_from_db()
    assert response.status_code == 200
    assert getattr(article, name) != value
    [error] = response.context["adminform"].form.errors[name]
    assert f"it has {max_length + 1} characters" in error
    assert f"at most {max_length} are allowed" in error
    assert value in response.text


def test_article_solution_at_limit_saves(admin_client, db):
    article = ArticleFactory(title="Scanner shows a blank page")
    url = reverse("admin:knowledge_article_change", args=[article.pk])
    solution = ("1. Restart the scanner.\n" * 500)[:10000]

    response = admin_client.post(url, article_form_data(article, solution=solution))

    article.refresh_from_db()
    assert response.status_code == 302
    assert article.solution == solution


def test_article_form_leaves_limits_to_server(admin_client, db):
    response = admin_client.get(reverse("admin:knowledge_article_add"))

    assert " maxlength=" not in response.text
    assert 'data-max-length="200"' in response.text
