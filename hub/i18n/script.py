"""Serbian Latin <-> Cyrillic transliteration that leaves code, links and markup untouched."""

from __future__ import annotations

import re
from collections.abc import Callable

import cyrtranslit

# Segments that are never transliterated: HTML tags and entities, URLs, e-mail addresses,
# inline code, format placeholders (%(name)s, {name}), @mentions and acronyms kept in Latin.
_PROTECTED = re.compile(
    r"""
    <[^>]*>                              # an HTML tag
  | &[a-zA-Z]+;|&\#\d+;                  # an entity
  | (?:https?|mailto|ftp)://[^\s<>"']+   # a URL
  | www\.[^\s<>"']+
  | [\w.+-]+@[\w-]+(?:\.[\w-]+)+         # an e-mail address
  | `[^`]*`                              # inline code
  | %\([a-z_]+\)[sd]|%[sd]               # printf placeholders
  | \{[a-z_0-9]*\}                       # str.format placeholders
  | @[\w.-]+                             # a mention
  | \b(?:PDF|DOCX|HTML|API|URL|CSV|JSON|SMTP|HTTPS?|ID|IT|OK|CSRF)\b
  | \b[\w-]*[qwxyQWXY][\w-]*\b           # words with letters Serbian Latin lacks are foreign
    """,
    re.VERBOSE,
)

# All-capital digraphs: cyrtranslit maps "LJ" letter by letter.
_CAPS_DIGRAPHS = {"LJ": "Љ", "NJ": "Њ", "DŽ": "Џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ"}
_CAPS_DIGRAPH_RE = re.compile(r"LJ|NJ|DŽ|Lj|Nj|Dž")


def _apply(text: str, convert: Callable[[str], str]) -> str:
    out: list[str] = []
    pos = 0
    for match in _PROTECTED.finditer(text):
        if match.start() > pos:
            out.append(convert(text[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    if pos < len(text):
        out.append(convert(text[pos:]))
    return "".join(out)


def _latin_to_cyrillic(chunk: str) -> str:
    chunk = _CAPS_DIGRAPH_RE.sub(lambda m: _CAPS_DIGRAPHS[m.group(0)], chunk)
    return str(cyrtranslit.to_cyrillic(chunk, "sr"))


def _cyrillic_to_latin(chunk: str) -> str:
    return str(cyrtranslit.to_latin(chunk, "sr"))


def to_cyrillic(text: str) -> str:
    return _apply(text, _latin_to_cyrillic)


def to_latin(text: str) -> str:
    return _apply(text, _cyrillic_to_latin)


def for_script(text: str, language: str) -> str:
    """Show `text` in the script of `language` (sr-Cyrl or otherwise Latin); English is untouched."""
    if language == "sr-Cyrl":
        return to_cyrillic(text)
    if language == "sr-Latn":
        return to_latin(text)
    return text
