"""Render the Markdown of articles and assistant replies to safe HTML."""

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = set(
    "a blockquote br code del em h1 h2 h3 h4 h5 h6 hr li ol p pre strong table "
    "tbody td th thead tr ul".split()
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

# NOTE: chat.models.Message.text_html stores the output of render_markdown for
# finished replies. A change to that output needs a data migration that saves
# those replies again, or one that empties text_html so that the chat page
# renders them on each view. Upgrades of markdown-it-py or nh3, such as a
# sanitizer fix, count as such a change.

# Raw HTML in the source is shown as text rather than passed through.
PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
# markdown-it stops parsing blocks nested this deep and drops the text inside
# them, so text that reaches the limit is shown without its markup.
MAX_NESTING = PARSER.options["maxNesting"]


def deepest_level(tokens):
    """Return the highest nesting level among ``tokens`` and their children."""
    level = 0
    for token in tokens:
        level = max(level, token.level)
        if token.children:
            level = max(level, deepest_level(token.children))
    return level


def render_markdown(text: str) -> SafeString:
    """Return ``text`` rendered from Markdown and sanitized with nh3.

    Text nested too deep for the parser is shown as plain paragraphs. Only
    the tags above survive. Links keep http, https and mailto addresses
    and relative ones such as "/knowledge/3/", lose any other address, and
    get rel="noopener noreferrer".
    """
    environment = {}
    tokens = PARSER.parse(text or "", environment)
    if deepest_level(tokens) >= MAX_NESTING - 1:
        html = linebreaks(text, autoescape=True)
    else:
        html = PARSER.renderer.render(tokens, PARSER.options, environment)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)
