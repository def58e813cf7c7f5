"""Serbian-aware text normalisation for search, and the snippets shown with results.

Everything searchable is stored, and every query is matched, in one normal form: Latin script,
lower case, no diacritics, "đ" and "dj" both as "d". So "članovi", "clanovi" and "чланови" are one
word, and "Đorđević", "Djordjevic" and "Dordevic" are one name.

Word endings are matched too: beside its normal form every word is indexed by its stem (the
Snowball Serbian stemmer, in the same normal form), so "deponija" finds "deponije" and
"zakazivanja" finds "zakazivanje". A query word matches a document that has a word starting with
it, or a word with one of its stems; the first kind of match ranks higher (hub.actions.search).
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

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


_local = threading.local()


def _stem(word: str) -> str:
    # A stemmer keeps state while it works, so each thread (migrations run in one) has its own.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("serbian")
    return str(stemmer.stemWord(word))


# Longer runs of letters are no Serbian word (codes, hashes, run-together text): they get no
# stem, are still found by their beginning, and stay out of the caches below.
MAX_STEMMED = 40


def _stems(word: str) -> tuple[str, ...]:
    """The normal forms of the stems of one lower-case Latin word: the stem of the word as
    written, and (when different) of its form without diacritics, so that "dečaka" and
    "decaka" share a stem whichever way either was typed."""
    return _cached_stems(word) if len(word) <= MAX_STEMMED else ()


@lru_cache(maxsize=65536)
def _cached_stems(word: str) -> tuple[str, ...]:
    forms = [normalize(_stem(word))]
    plain = normalize(word)
    if plain != word:
        other = normalize(_stem(plain))
        if other not in forms:
            forms.append(other)
    return tuple(forms)


def _latin_words(text: str) -> list[str]:
    return _WORD.findall(to_latin(text).lower())


def stem_text(text: str) -> str:
    """The stems of every word of `text`, in order, for the index beside `normalize(text)`."""
    return " ".join(stem for word in _latin_words(text) for stem in _stems(word))


@dataclass(frozen=True)
class Term:
    """One word of a query: its normal form (matched as a prefix) and its stems (matched whole)."""

    word: str
    stems: tuple[str, ...]

    def matches(self, word: str) -> bool:
        """Whether a word of a text (as written) is one this term finds."""
        plain, stems = _forms(word) if len(word) <= MAX_STEMMED else (normalize(word), ())
        return plain.startswith(self.word) or any(stem in self.stems for stem in stems)


@lru_cache(maxsize=65536)
def _forms(word: str) -> tuple[str, tuple[str, ...]]:
    """A word as written: its normal form and its stems (snippets ask for each word often)."""
    latin = to_latin(word).lower()
    return normalize(latin), _stems(latin)


def parse_query(query: str, limit: int = 8) -> list[Term]:
    """The distinct words of a query as terms, at most `limit` (the first ones)."""
    found: dict[str, list[str]] = {}
    for raw in _latin_words(query):
        parts = _WORD.findall(normalize(raw))
        for part in parts:
            stems = found.setdefault(part, [])
            source = raw if len(parts) == 1 else part
            stems.extend(s for s in _stems(source) if s not in stems)
    return [Term(word, tuple(stems)) for word, stems in list(found.items())[:limit]]


def terms(query: str, limit: int = 8) -> list[str]:
    """The normalised words of a query, at most `limit` (the first ones)."""
    return [term.word for term in parse_query(query, limit)]


def plain_text(markdown_source: str) -> str:
    """Markdown source without its markup characters, for snippets."""
    return " ".join(_MARKUP.sub(" ", markdown_source).split())


def snippet(text: str, query_terms: list[Term], width: int = 160) -> str:
    """A window of `text` around the first matching word, matches wrapped in <mark>, escaped."""
    words = list(_WORD.finditer(text))
    hits = [m for m in words if any(t.matches(m.group(0)) for t in query_terms)]
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
