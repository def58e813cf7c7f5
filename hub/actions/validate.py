"""check_* helpers shared by the actions: each raises Invalid naming the field.

Text rules, applied to every text a person writes (names, titles, posts, reasons, descriptions):

- NUL and lone surrogates are refused: PostgreSQL cannot store the first, no encoding holds the
  second, and SQLite would keep both; refusing them on both databases keeps the two alike.
- A text that shows nothing once white space and invisible characters are taken away (zero-width
  spaces, bidi controls, fillers) counts as empty, with the same message as an empty field.
- One-line texts (names, titles, reasons) lose their bidi controls and other control characters
  and the invisible characters at either end: a right-to-left override in a name or title makes
  what follows read backwards. Joiners inside the text stay (emoji sequences need the ZWJ).
- Multi-line texts (posts, descriptions) keep what was written, Markdown and all.
"""

from __future__ import annotations

import re
import unicodedata

from hub.actions.errors import N_, Invalid
from hub.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from hub.config import LANGUAGES

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

NAME_MAX = 120
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Bidirectional controls (embeddings, overrides, isolates and marks): in one line of text they
# reorder what follows, so "\u202eFDP.exe.txt" shows as "FDP.txt.exe" reversed.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# Characters outside the categories below that nonetheless show nothing: Hangul fillers, the
# blank Braille pattern, the combining grapheme joiner, variation selectors, Mongolian selectors,
# Khmer inherent vowels.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
UNSTORABLE_MESSAGE = N_(
    "This text contains a character that cannot be stored (NUL or a broken one)."
)


def invisible(char: str) -> bool:
    """Whether the character shows nothing by itself (white space, a format or control
    character, a filler or a selector)."""
    return (
        char in _BLANKS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
    )


def visible(text: str) -> bool:
    """Whether the text shows anything at all."""
    return not all(invisible(char) for char in text)


def storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def check_storable(value: str, field: str | None) -> str:
    if UNSTORABLE.search(value):
        raise Invalid(UNSTORABLE_MESSAGE, field=field)
    return value


def one_line(value: str) -> str:
    """A text as one line: white space collapsed, bidi and other control characters removed,
    invisible characters trimmed from both ends (inner joiners and selectors stay)."""
    text = _CONTROLS.sub(" ", BIDI_CONTROLS.sub("", value))
    text = " ".join(text.split())
    start, end = 0, len(text)
    while start < end and invisible(text[start]):
        start += 1
    while end > start and invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def check_line(
    value: str | None,
    field: str,
    max_length: int = NAME_MAX,
    *,
    required: str | None = N_("This field is required."),
) -> str:
    """A one-line text (see one_line); `required` is the message when it is empty, None when
    it may be."""
    line = one_line(check_storable(value or "", field))
    if not visible(line):
        line = ""
    if not line and required:
        raise Invalid(required, field=field)
    if len(line) > max_length:
        raise Invalid(N_("At most %(max)d characters, please."), field=field, max=max_length)
    return line


def check_email(value: str | None, field: str = "email") -> str:
    email = check_storable(value or "", field).strip().lower()
    if not email:
        raise Invalid(N_("Enter an e-mail address."), field=field)
    if len(email) > 254 or not _EMAIL.match(email) or not all(_printable(c) for c in email):
        raise Invalid(N_("This is not a valid e-mail address."), field=field)
    return email


def _printable(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp")


def check_name(value: str | None, field: str = "name", max_length: int = NAME_MAX) -> str:
    return check_line(value, field, max_length)


def check_text(
    value: str | None,
    field: str,
    max_length: int = DESCRIPTION_MAX,
    *,
    required: str | None = None,
) -> str:
    """A multi-line text, kept as written (line ends made \\n, outer white space trimmed); one
    that shows nothing is empty: refused with `required`, or stored as "" when optional."""
    text = check_storable(value or "", field).replace("\r\n", "\n").strip()
    if not visible(text):
        text = ""
    if not text and required:
        raise Invalid(required, field=field)
    if len(text) > max_length:
        raise Invalid(N_("At most %(max)d characters, please."), field=field, max=max_length)
    return text


def check_password(value: str | None, field: str = "password") -> str:
    password = check_storable(value or "", field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            N_("The password must have at least %(min)d characters."),
            field=field,
            min=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(
            N_("The password may have at most %(max)d characters."),
            field=field,
            max=MAX_PASSWORD_LENGTH,
        )
    return password


def check_language(value: str | None, field: str = "language") -> str:
    if value not in LANGUAGES:
        raise Invalid(N_("Choose one of the offered languages."), field=field)
    return value


def check_choice(value: str | None, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise Invalid(N_("Choose one of: %(choices)s."), field=field, choices=", ".join(choices))
    return value


def check_slug(value: str | None, field: str = "slug") -> str:
    slug = (value or "").strip()
    if not _SLUG.match(slug) or len(slug) > 80:
        raise Invalid(N_("Use lower-case letters, digits and hyphens only."), field=field)
    return slug
