from django.urls import reverse

from knowledge.tests.factories import ArticleFactory

URL = reverse("knowledge:index")


def test_lists_articles_by_category(client, knowledge_base):
    response = client.get(URL)

    assert response.status_code == 200
    assert "Принтеры" in response.text or "Printers" in response.text
    assert "VPN does not connect" in response.text


def test_list_hides_unpublished(client, db):
    ArticleFactory(title="Draft about scanners", is_published=False)

    response = client.get(URL)

    assert "Draft about scanners" not in response.text


def test_search_highlights_matches(client, knowledge_base):
    response = client.get(URL, {"q": "впн не подключается"})

    assert response.status_code == 200
    assert "VPN не <mark>подключается</mark>" in response.text
    assert knowledge_base["vpn_ru"].get_absolute_url() in response.text


def test_search_escapes_article_text(client, db):
    ArticleFactory(title="<script>alert(1)</script> scanner")

    response = client.get(URL, {"q": "scanner"})

    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>scanner</mark>" in response.text


def test_search_escapes_query(client, knowledge_base):
    response = client.get(URL, {"q": "<b>nothing</b>"})

    assert "<b>nothing</b>" not in response.text


def test_search_without_match_offers_ticket(client, knowledge_base):
    response = client.get(URL, {"q": "отпуск"})

    assert reverse("tickets:create") in response.text


def test_category_filter(client, knowledge_base):
    response = client.get(URL, {"q": "не подключается", "category": "printers"})

    assert "VPN" not in response.text.split('id="search-results"')[1]


def test_htmx_request_gets_results_only(client, knowledge_base):
    response = client.get(URL, {"q": "впн"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="search-results"')
    assert "<html" not in response.text
    assert "VPN не подключается" in response.text


def test_htmx_without_query_lists_categories(client, knowledge_base):
    response = client.get(URL, headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert "Принтер не печатает" in response.text


def test_page_has_live_search(client, db):
    response = client.get(URL)

    assert 'hx-trigger="input changed delay:300ms, search"' in response.text
    assert f'action="{URL}"' in response.text


def test_history_restore_gets_whole_page(client, knowledge_base):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    response = client.get(URL, {"q": "впн"}, headers=headers)

    assert "<html" in response.text


def test_response_varies_on_htmx(client, db):
    response = client.get(URL)

    assert "HX-Request" in response["Vary"]
