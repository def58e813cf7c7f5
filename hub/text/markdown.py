"""Markdown to safe HTML: rendered without raw HTML, then sanitised against an allow-list (S4)."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    if tag == "code" and attr == "class":
        return value if value.startswith("language-") and value[9:].isalnum() else None
    return value


def render(source: str) -> str:
    """Render Markdown `source` to HTML that is safe to insert into a page."""
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )
