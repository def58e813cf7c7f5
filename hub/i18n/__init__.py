"""Message catalogs (sr-Latn default, sr-Cyrl, en), locale formats and the script of a text.

Catalogs are .po files compiled in memory at first use, so the repository holds no binaries.
sr_Cyrl/messages.po is generated from sr_Latn by `python -m hub.i18n.build` (see that module).
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from hub.config import LANGUAGES
from hub.i18n.script import to_cyrillic

LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALES = {"sr-Latn": "sr_Latn", "sr-Cyrl": "sr_Cyrl", "en": "en"}
LANGUAGE_NAMES = {"sr-Latn": "Srpski (latinica)", "sr-Cyrl": "Српски (ћирилица)", "en": "English"}
HTML_LANG = {"sr-Latn": "sr-Latn", "sr-Cyrl": "sr-Cyrl", "en": "en"}


def normalize_language(value: str | None, default: str = "sr-Latn") -> str:
    if not value:
        return default
    value = value.strip().replace("_", "-")
    for code in LANGUAGES:
        if value.lower() == code.lower():
            return code
    return default


@cache
def translations(language: str) -> NullTranslations:
    po_path = LOCALE_DIR / BABEL_LOCALES[language] / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=BABEL_LOCALES[language])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(language: str, message: str, **params: object) -> str:
    text = translations(language).gettext(message)
    return text % params if params else text


def ngettext(language: str, singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(language).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[language])


def format_date(value: dt.date | dt.datetime, language: str, form: str = "long") -> str:
    """Serbian: `5. februar 2026.`; English: `February 5, 2026`."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return _format_date(value, form, locale=BABEL_LOCALES[language])


def format_datetime(value: dt.datetime, language: str, tz: str = "Europe/Belgrade") -> str:
    """A date with the time of day in Belgrade: `5. februar 2026. 14:05`."""
    pattern = "d. MMMM y. HH:mm" if language.startswith("sr") else "MMMM d, y, HH:mm"
    return _format_datetime(value, pattern, tzinfo=get_timezone(tz), locale=BABEL_LOCALES[language])


# In a sentence Serbian names the month in the genitive: "važi do 5. decembra 2026.". CLDR (and
# so Babel) has only the nominative for Serbian, in both its format and stand-alone forms.
_GENITIVE_MONTHS = (
    "januara",
    "februara",
    "marta",
    "aprila",
    "maja",
    "juna",
    "jula",
    "avgusta",
    "septembra",
    "oktobra",
    "novembra",
    "decembra",
)


def format_date_in_text(value: dt.date | dt.datetime, language: str) -> str:
    """A date inside a sentence: `5. decembra 2026.`, `5. децембра 2026.`, `December 5, 2026`.

    A datetime is taken as it is (convert it to Belgrade time first: format_datetime_in_text)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not language.startswith("sr"):
        return _format_date(value, "MMMM d, y", locale=BABEL_LOCALES[language])
    text = f"{value.day}. {_GENITIVE_MONTHS[value.month - 1]} {value.year}."
    return to_cyrillic(text) if language == "sr-Cyrl" else text


def format_datetime_in_text(value: dt.datetime, language: str, tz: str = "Europe/Belgrade") -> str:
    """A moment inside a sentence, in Belgrade time: `5. decembra 2026. u 18:18`,
    `5. децембра 2026. у 18:18`, `December 5, 2026 at 18:18`."""
    local = value.astimezone(get_timezone(tz))
    return gettext(
        language,
        "%(date)s at %(time)s",
        date=format_date_in_text(local, language),
        time=local.strftime("%H:%M"),
    )


def format_number(value: float | int, language: str) -> str:
    return format_decimal(value, locale=BABEL_LOCALES[language])
