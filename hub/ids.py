"""The one rule for integers written in paths and query strings (ids, limits, offsets).

Only the ASCII digits 0-9 count: `str.isdigit()` also accepts '²' and Arabic-Indic '١', which
`int()` then refuses or silently reads as 1. Ids are 32-bit on PostgreSQL, so a number beyond
MAX_ID names nothing (the callers answer 404) rather than reaching the database.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_DIGITS = re.compile(r"[0-9]+")
ID_REGEX = "[0-9]{1,9}"  # for path convertors: nine digits always fit below MAX_ID


def ascii_int(raw: object) -> int | None:
    """A non-negative integer written with ASCII digits only (no sign, space or other digit), or
    None. Long numbers are cut off at 20 digits: every caller bounds the value anyway."""
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return None
    return int(raw) if len(raw) <= 20 else 10**20


def as_id(raw: object) -> int | None:
    """A positive 32-bit id from text (ASCII digits) or a JSON integer, or None."""
    if isinstance(raw, bool):
        return None
    value = raw if isinstance(raw, int) else ascii_int(raw)
    return value if value is not None and 0 < value <= MAX_ID else None
