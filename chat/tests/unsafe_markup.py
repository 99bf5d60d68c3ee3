"""Find markup in a page that would run script or load from another host.

The check parses the HTML the way a browser tokenizes it, so hostile text
that the page shows escaped (``&lt;script&gt;``) does not count, and only
real tags and attributes do.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

# The pages load their own scripts from paths of this site, such as
# /static/ and the admin's /admin/jsi18n/. A script of any other kind is taken
# to come from message, article or model content.
OWN_HOSTS = {"", "testserver"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data"}
URL_ATTRIBUTES |= {"xlink:href"}
LOADING_TAGS = {"img", "iframe", "frame", "object", "embed", "video", "audio"}
LOADING_TAGS |= {"source", "track", "image", "input"}
# Browsers ignore tabs, newlines and control characters inside a scheme.
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")


def find_unsafe_markup(html):
    """Return a description of each unsafe tag or attribute in ``html``."""
    parser = UnsafeMarkupParser()
    parser.feed(html)
    parser.close()
    return parser.problems


class UnsafeMarkupParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = [(name, value or "") for name, value in attrs]
        values = dict(attrs)
        if tag == "script" and not is_own_path(values.get("src", "")):
            self.problems.append(f"<script> not from this site: {attrs}")
        if tag in {"base", "style"}:
            self.problems.append(f"<{tag}> tag: {attrs}")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"<meta http-equiv=refresh>: {attrs}")
        for name, value in attrs:
            self.check_attribute(tag, name, value, values)

    def check_attribute(self, tag, name, value, values):
        if name.startswith("on"):
            self.problems.append(f"<{tag}> event handler {name}={value!r}")
        if name == "srcdoc":
            self.problems.append(f"<{tag}> srcdoc={value!r}")
        if name not in URL_ATTRIBUTES:
            return
        scheme = IGNORED_IN_SCHEME.sub("", value).lower()
        if scheme.startswith(("javascript:", "vbscript:")):
            self.problems.append(f"<{tag}> {name}={value!r}")
        elif scheme.startswith("data:") and not is_own_icon(tag, values):
            self.problems.append(f"<{tag}> {name}={value!r}")
        elif tag in LOADING_TAGS and is_outside(value):
            self.problems.append(f"<{tag}> loads from outside: {name}={value!r}")


def is_own_icon(tag, values):
    # base.html sets an empty data: icon so that browsers do not request one.
    return tag == "link" and values.get("rel") == "icon" and values["href"] == "data:,"


def is_own_path(url):
    return url.startswith("/") and not url.startswith("//")


def is_outside(url):
    parts = urlsplit(url.strip())
    if parts.scheme:
        return True
    return bool(parts.netloc) and parts.hostname not in OWN_HOSTS
