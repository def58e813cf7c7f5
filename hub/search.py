"""Serbian-aware text normalisation for search, and the snippets shown with results.

Everything searchable is stored, and every query is matched, in one normal form: Latin script,
lower case, no diacritics, "đ" and "dj" both as "d". So "članovi", "clanovi" and "чланови" are one
word, and "Đorđević", "Djordjevic" and "Dordevic" are one name.
"""

from __future__ import annotations

import html
import re
import unicodedata

from hub.i18n.script import to_latin

_DJ = re.compile(r"dj")
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKUP = re.compile(r"[`*_>#\[\]()~|]+")


def _fold(text: str) -> str:
    text = to_latin(text).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """The searchable form of `text` (see the module's docstring)."""
    return _DJ.sub("d", _fold(text))


def terms(query: str, limit: int = 8) -> list[str]:
    """The normalised words of a query, at most `limit`, longest first dropped beyond it."""
    words = [w for w in _WORD.findall(normalize(query)) if w]
    unique: list[str] = []
    for word in words:
        if word not in unique:
            unique.append(word)
    return unique[:limit]


def plain_text(markdown_source: str) -> str:
    """Markdown source without its markup characters, for snippets."""
    return " ".join(_MARKUP.sub(" ", markdown_source).split())


def snippet(text: str, query_terms: list[str], width: int = 160) -> str:
    """A window of `text` around the first matching word, matches wrapped in <mark>, escaped."""
    words = list(_WORD.finditer(text))
    hits = [m for m in words if any(normalize(m.group(0)).startswith(t) for t in query_terms)]
    start = 0
    if hits:
        start = max(0, hits[0].start() - width // 3)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end - 1].isspace():
        end += 1
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for m in hits:
        if m.start() < start or m.end() > end:
            continue
        out.append(html.escape(text[pos : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:end]))
    out.append("…" if end < len(text) else "")
    return "".join(out).strip()
