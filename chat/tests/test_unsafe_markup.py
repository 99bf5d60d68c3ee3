"""The markup check that the hostile-input tests rely on."""

import pytest

from chat.tests.unsafe_markup import find_unsafe_markup


@pytest.mark.parametrize(
    "html",
    [
        "<p>hi</p><script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        '<script src="//evil.example/x.js"></script>',
        '<img src="x" onerror="alert(1)">',
        '<div ONCLICK="alert(1)">x</div>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="  JaVa&#x09;Script:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html,<b>x</b>">x</a>',
        '<img src="https://tracker.example.net/p.gif">',
        '<img src="//tracker.example.net/p.gif">',
        '<iframe src="https://evil.example"></iframe>',
        '<iframe srcdoc="<b>x</b>"></iframe>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    ],
)
def test_unsafe_markup_is_found(html):
    assert find_unsafe_markup(html) != []


@pytest.mark.parametrize(
    "html",
    [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<p>&lt;img src=x onerror=alert(1)&gt; onclick=alert(1)</p>",
        "<p>javascript:alert(1)</p>",
        '<a href="https://portal.example.com/reset" rel="noopener">portal</a>',
        '<a href="/knowledge/3/">article</a>',
        '<script src="/static/js/app.js" defer></script>',
        '<link rel="icon" href="data:,">',
        '<img src="/static/logo.png">',
    ],
)
def test_safe_markup_passes(html):
    assert find_unsafe_markup(html) == []
