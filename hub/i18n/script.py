"""Serbian Latin <-> Cyrillic transliteration that leaves code, links and markup untouched."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import cyrtranslit

# Segments that are never transliterated: code blocks of rendered posts (whole), HTML tags
# and entities, URLs, e-mail addresses, inline code, format placeholders (%(name)s, {name}),
# @mentions and acronyms kept in Latin.
_PROTECTED = re.compile(
    r"""
    <pre[\s>][\s\S]*?</pre>             # preformatted text, with what it contains
  | <code[\s>][\s\S]*?</code>           # inline code
  | <[^>]*>                              # an HTML tag
  | &[a-zA-Z]+;|&\#\d+;                  # an entity
  | (?:https?|mailto|ftp)://[^\s<>"']+   # a URL
  | www\.[^\s<>"']+
  | [\w.+-]+@[\w-]+(?:\.[\w-]+)+         # an e-mail address
  | `[^`]*`                              # inline code
  | %\([a-z_]+\)[sd]|%[sd]               # printf placeholders
  | \{[a-z_0-9]*\}                       # str.format placeholders
  | @[\w.-]+                             # a mention
  | \b(?:PDF|DOCX?|XLSX?|PPTX?|ODT|ODS|TXT|PNG|JPE?G|GIF|SVG|ZIP|HTML|API|URL|CSV|JSON|SMTP
      |HTTPS?|ID|IT|OK|CSRF)\b
  | \b[\w-]*[qwxyQWXY][\w-]*\b           # words with letters Serbian Latin lacks are foreign
  | \b[A-Z][a-z]+[A-Z]\w*\b              # CamelCase names (OpenDocument, PowerPoint)
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


# Љ, Њ, Џ in a word in capitals are two capitals in Latin (ЉУБАВ = LJUBAV, not LjUBAV).
_CYRILLIC_DIGRAPHS = {"Љ": "LJ", "Њ": "NJ", "Џ": "DŽ"}


def _capital_digraph(match: re.Match[str]) -> str:
    text, at = match.string, match.start()
    after, before = text[at + 1 : at + 2], text[at - 1 : at] if at else ""
    if after.isupper() or (before.isupper() and not after.islower()):
        return _CYRILLIC_DIGRAPHS[match.group(0)]
    return match.group(0)


def _cyrillic_to_latin(chunk: str) -> str:
    chunk = re.sub("[ЉЊЏ]", _capital_digraph, chunk)
    return str(cyrtranslit.to_latin(chunk, "sr"))


def to_cyrillic(text: str) -> str:
    return _apply(text, _latin_to_cyrillic)


def to_latin(text: str) -> str:
    return _apply(text, _cyrillic_to_latin)


_ANY_CYRILLIC = re.compile("[\u0400-\u04ff]")


def for_script(text: str, language: str) -> str:
    """`text` in the script of `language` (sr-Cyrl, otherwise Latin); English is left as it is."""
    if language == "sr-Cyrl":
        return to_cyrillic(text)
    if language == "sr-Latn":
        # Most text is already Latin: skip the work when there is no Cyrillic letter in it.
        return to_latin(text) if _ANY_CYRILLIC.search(text) else text
    return text


# A linked @mention's tooltip is the person's name (hub.reads.mentions.link_mentions): a tag's
# attribute, so for_script leaves it; html_for_script writes it in the reader's script too.
_MENTION_TITLE = re.compile(r'(<span class="mention" data-user-id="\d+" title=")([^"<>]*)(")')


def html_for_script(rendered: str, language: str) -> str:
    """Sanitised HTML in the script of `language`: its text, and the names of mentions."""

    def title(match: re.Match[str]) -> str:
        name = for_script(html.unescape(match.group(2)), language)
        return match.group(1) + html.escape(name) + match.group(3)

    return _MENTION_TITLE.sub(title, for_script(rendered, language))
