"""Page cursors: one codec for every list that pages by the sort key of its last item.

A cursor is the URL-safe base64 of a JSON array holding that key. Clients treat it as opaque and
pass back what they were given; anything else (not base64, not JSON, another shape, a number no
id column holds, a time out of range, a float, deep nesting) is refused with Invalid (422, field
"cursor") before any query is built, so no damaged or forged cursor reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any, NoReturn

from hub.actions.errors import N_, Invalid
from hub.actions.validate import MAX_ID, storable

MAX_LENGTH = 1024  # characters of an encoded cursor: a key of a 120-character name and an id
MAX_TEXT = 300  # characters of a text part
Part = bool | int | str | dt.datetime


def encode(*parts: Part) -> str:
    """The cursor for a key (booleans as 0 and 1, times as ISO 8601 with their offset)."""
    plain = [
        int(p) if isinstance(p, bool) else p.isoformat() if isinstance(p, dt.datetime) else p
        for p in parts
    ]
    raw = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *shape: type, field: str = "cursor") -> tuple[Any, ...]:
    """The key in `cursor`, one value of each type in `shape` (bool, int: an id from 0 to
    MAX_ID, str, datetime: aware, returned in UTC); Invalid if it is anything else."""
    parts = _parts(cursor, field)
    if len(parts) != len(shape):
        _refuse(field)
    return tuple(_part(value, kind, field) for value, kind in zip(parts, shape, strict=True))


def _refuse(field: str) -> NoReturn:
    raise Invalid(N_("The page cursor is not valid."), field=field)


def _no_floats(text: str) -> NoReturn:
    raise ValueError(text)


def _parts(cursor: str, field: str) -> list[Any]:
    if not cursor or len(cursor) > MAX_LENGTH or not cursor.isascii():
        _refuse(field)
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        parts = json.loads(raw.decode("utf-8"), parse_float=_no_floats, parse_constant=_no_floats)
    except (binascii.Error, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        _refuse(field)
    if not isinstance(parts, list):
        _refuse(field)
    return parts


def _part(value: Any, kind: type, field: str) -> Any:
    if kind is bool:
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
            return value
    elif kind is str:
        if isinstance(value, str) and len(value) <= MAX_TEXT and storable(value):
            return value
    elif kind is dt.datetime:
        if isinstance(value, str) and len(value) <= 40:
            try:
                at = dt.datetime.fromisoformat(value)
                if at.tzinfo is not None:
                    return at.astimezone(dt.UTC)
            except (ValueError, OverflowError):  # not a time, or beyond year 1 to 9999 in UTC
                pass
    else:
        raise TypeError(f"no cursor part of type {kind!r}")
    _refuse(field)
