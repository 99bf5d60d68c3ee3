from django.urls import reverse

from knowledge.models import Vote
from knowledge.tests.factories import ArticleFactory


def test_shows_article(client, db):
    article = ArticleFactory(
        title="Scanner", problem="It is slow.", solution="1. **Restart**"
    )

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Scanner" in response.text
    assert "<strong>Restart</strong>" in response.text
    assert reverse("knowledge:vote", args=[article.pk]) in response.text


def test_solution_is_sanitized(client, db):
    article = ArticleFactory(
        solution="<script>alert(1)</script> [x](javascript:alert(2))"
    )

    response = client.get(article.get_absolute_url())

    assert "<script>alert(1)" not in response.text
    assert 'href="javascript:' not in response.text


def test_counts_views(client, db):
    article = ArticleFactory()

    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())

    article.refresh_from_db()
    assert article.view_count == 2


def test_unpublished_is_not_found(client, db):
    article = ArticleFactory(is_published=False)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 404


def test_staff_sees_unpublished(admin_client, db):
    article = ArticleFactory(is_published=False)

    response = admin_client.get(article.get_absolute_url())

    assert response.status_code == 200


def test_shows_previous_vote(client, db):
    article = ArticleFactory()
    client.get(article.get_absolute_url())
    Vote.objects.create(
        article=article, session_key=client.session.session_key, helpful=False
    )

    response = client.get(article.get_absolute_url())

    assert 'value="no" aria-pressed="true"' in response.text
