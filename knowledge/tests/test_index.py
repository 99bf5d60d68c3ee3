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

    assert 'hx-trigger="input changed delay:300ms"' in response.text
    assert f'action="{URL}"' in response.text


def test_live_search_keeps_query_in_address(client, db):
    response = client.get(URL)

    # Typing replaces the address, choosing a category or submitting pushes it.
    assert 'hx-replace-url="true"' in response.text
    assert 'hx-push-url="true"' in response.text
    # Back and Forward fetch the page, whose fields then match the address.
    assert 'hx-history="false"' in response.text


def test_shared_address_keeps_query_and_category(client, knowledge_base):
    response = client.get(URL, {"q": "не подключается", "category": "network"})

    assert 'value="не подключается"' in response.text
    assert '<option value="network" selected>' in response.text
    assert knowledge_base["vpn_ru"].get_absolute_url() in response.text


def test_history_restore_gets_whole_page(client, knowledge_base):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    response = client.get(URL, {"q": "впн"}, headers=headers)

    assert "<html" in response.text
    assert 'value="впн"' in response.text


def test_response_varies_on_htmx(client, db):
    response = client.get(URL)

    assert "HX-Request" in response["Vary"]
    assert "HX-History-Restore-Request" in response["Vary"]


def test_search_box_has_maxlength(client, db):
    response = client.get(URL)

    limit = response.context["form"].fields["q"].max_length
    assert f'maxlength="{limit}"' in response.text


def test_overlong_query_shows_error_and_keeps_text(client, knowledge_base):
    query = "vpn " * 60

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert "The search text is too long" in response.text
    assert f'value="{query}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "knowledge-hit" not in response.text
    assert "knowledge-category" not in response.text


def test_overlong_htmx_query_shows_error_in_results(client, knowledge_base):
    response = client.get(URL, {"q": "vpn " * 60}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="search-results"')
    assert "The search text is too long" in response.text


def test_unknown_category_shows_error(client, knowledge_base):
    response = client.get(URL, {"q": "vpn", "category": "no-such-category"})

    assert "field-error" in response.text
    assert "knowledge-hit" not in response.text


def test_control_character_query_shows_error(client, knowledge_base):
    query = "vpn\x1b[A"

    response = client.get(URL, {"q": query})

    assert response.status_code == 200
    assert "This text contains invisible control characters (U+001B)" in response.text
    assert f'value="{query}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "knowledge-hit" not in response.text
