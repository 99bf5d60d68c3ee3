from knowledge.markdown import render_markdown


def test_renders_steps():
    html = render_markdown("1. Open **Settings**\n2. Click `Reset`")

    assert "<ol>" in html
    assert "<strong>Settings</strong>" in html
    assert "<code>Reset</code>" in html


def test_script_tag_escaped():
    html = render_markdown("Hello <script>alert(1)</script>")

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_raw_html_shown_as_text():
    html = render_markdown('<img src=x onerror="alert(1)">\n\n<b>bold</b>')

    assert "<img" not in html
    assert "<b>" not in html


def test_javascript_link_not_linked():
    html = render_markdown("[click](javascript:alert(1))")

    assert "<a" not in html


def test_data_link_not_linked():
    html = render_markdown("[click](data:text/html;base64,PHNjcmlwdD4=)")

    assert "<a" not in html


def test_other_scheme_loses_address():
    html = render_markdown("[files](ftp://files.example.com/driver.zip)")

    assert "ftp:" not in html
    assert "files</a>" in html


def test_https_link_kept_with_rel():
    html = render_markdown("[portal](https://portal.example.com/reset)")

    assert 'href="https://portal.example.com/reset"' in html
    assert 'rel="noopener noreferrer"' in html


def test_mailto_link_kept():
    html = render_markdown("[write to IT](mailto:it@example.com)")

    assert 'href="mailto:it@example.com"' in html


def test_empty_text():
    assert render_markdown("") == ""


def test_deep_quote_keeps_inner_text():
    html = render_markdown("> " * 25 + "Restart the <b>router</b>")

    assert "Restart the &lt;b&gt;router&lt;/b&gt;" in html
    assert "<blockquote>" not in html


def test_deep_list_keeps_every_item():
    text = "".join("  " * depth + f"- step {depth}\n" for depth in range(30))

    html = render_markdown(text)

    for depth in range(30):
        assert f"- step {depth}<br>" in html


def test_moderate_nesting_keeps_markup():
    html = render_markdown("> " * 12 + "**twelve**")

    assert html.count("<blockquote>") == 12
    assert "<strong>twelve</strong>" in html
