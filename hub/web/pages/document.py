"""A compiled initiative document shown inside a page."""

from __future__ import annotations

import nh3

# The compiled document is the hub's own HTML; it is cleaned anyway before it joins a page.
# Landmarks (header, footer, nav, main) would repeat the page's own: their tags are dropped,
# their content kept.
_DOC_TAGS = (set(nh3.ALLOWED_TAGS) | {"section", "article", "figure"}) - {
    "header",
    "footer",
    "nav",
}
_DOC_ATTRIBUTES = {**nh3.ALLOWED_ATTRIBUTES, "*": {"class", "lang"}}


def document_body(html: bytes) -> str:
    """The inside of the document's <body>, cleaned (no scripts, no styles, no frames)."""
    text_ = html.decode("utf-8", errors="replace")
    lower = text_.lower()
    start, end = lower.find("<body"), lower.rfind("</body>")
    if start != -1:
        start = lower.find(">", start) + 1
        text_ = text_[start : end if end != -1 else None]
    return nh3.clean(text_, tags=_DOC_TAGS, attributes=_DOC_ATTRIBUTES)
