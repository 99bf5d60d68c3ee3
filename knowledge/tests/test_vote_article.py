import pytest
from django.test import Client
from django.urls import reverse

from knowledge.models import Vote
from knowledge.tests.factories import ArticleFactory


@pytest.fixture
def article(db):
    return ArticleFactory()


def vote_url(article):
    return reverse("knowledge:vote", args=[article.pk])


def test_anonymous_vote_by_session(client, article):
    response = client.post(vote_url(article), {"helpful": "yes"})

    assert response.status_code == 302
    vote = Vote.objects.get()
    assert vote.helpful is True
    assert vote.user is None
    assert vote.session_key == client.session.session_key


def test_repeat_vote_updates(client, article):
    client.post(vote_url(article), {"helpful": "yes"})

    client.post(vote_url(article), {"helpful": "no"})

    assert Vote.objects.count() == 1
    assert Vote.objects.get().helpful is False


def test_signed_in_vote_by_user(client, django_user_model, article):
    user = django_user_model.objects.create_user("anna", password="secret-pass-1")
    client.force_login(user)

    client.post(vote_url(article), {"helpful": "no"})
    client.post(vote_url(article), {"helpful": "yes"})

    vote = Vote.objects.get()
    assert vote.user == user
    assert vote.helpful is True


def test_two_employees_vote_separately(client, article):
    other = Client()

    client.post(vote_url(article), {"helpful": "yes"})
    other.post(vote_url(article), {"helpful": "no"})

    assert Vote.objects.count() == 2


def test_htmx_vote_returns_feedback(client, article):
    response = client.post(
        vote_url(article), {"helpful": "no"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="feedback"')
    assert reverse("tickets:create") in response.text


def test_invalid_vote_rejected(client, article):
    response = client.post(vote_url(article), {"helpful": "maybe"})

    assert response.status_code == 422
    assert Vote.objects.count() == 0


def test_get_not_allowed(client, article):
    response = client.get(vote_url(article))

    assert response.status_code == 405


def test_csrf_required(article):
    client = Client(enforce_csrf_checks=True)

    response = client.post(vote_url(article), {"helpful": "yes"})

    assert response.status_code == 403


def test_unpublished_article_not_votable(client, db):
    article = ArticleFactory(is_published=False)

    response = client.post(vote_url(article), {"helpful": "yes"})

    assert response.status_code == 404
