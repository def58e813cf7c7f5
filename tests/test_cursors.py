"""hub.reads.cursors: what it encodes comes back exactly; anything else is Invalid (S10)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from hub.actions.errors import Invalid
from hub.actions.validate import MAX_ID, NAME_MAX
from hub.reads import cursors


@pytest.mark.parametrize(
    "key",
    [
        (True, dt.datetime(2026, 2, 5, 14, 5, 1, 123456, tzinfo=dt.UTC), 1),
        (False, dt.datetime(1, 1, 1, tzinfo=dt.UTC), MAX_ID),
        ("Ђ" * NAME_MAX, MAX_ID),  # the longest name in Cyrillic
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467" * (NAME_MAX // 5), 0),  # 4-byte characters
        ('"]\\,[{', 7),
    ],
)
def test_a_key_comes_back_exactly(key: tuple[object, ...]) -> None:
    encoded = cursors.encode(*key)  # type: ignore[arg-type]
    assert len(encoded) <= cursors.MAX_LENGTH and encoded.isascii()
    assert cursors.decode(encoded, *(type(part) for part in key)) == key


def test_a_time_comes_back_in_utc() -> None:
    belgrade = dt.datetime(2026, 2, 5, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    (at,) = cursors.decode(cursors.encode(belgrade), dt.datetime)
    assert at == belgrade and at.tzinfo == dt.UTC


def raw(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "shape"),
    [
        ("", (int,)),
        ("!!", (int,)),
        ("a b", (int,)),
        ("Ж", (int,)),
        (raw(b"[1]") + "A" * cursors.MAX_LENGTH, (int,)),
        (raw(b"[1, 2]"), (int,)),  # the wrong number of parts
        (raw(b"[true]"), (int,)),
        (raw(b"[2]"), (bool,)),
        (raw(b"[-1]"), (int,)),
        (raw(b"[2147483648]"), (int,)),
        (raw(b"[1e400]"), (int,)),
        (raw(b"[1.0]"), (int,)),
        (raw(b"[NaN]"), (int,)),
        (raw(b'["1"]'), (int,)),
        (raw(b"[1" + b"0" * 5000 + b"]"), (int,)),
        (raw(b"[" * 700), (int,)),
        (raw(b'{"a": 1}'), (int,)),
        (raw(b"\xff\xfe"), (int,)),
        (raw(b'["a\\u0000"]'), (str,)),
        (raw(b'["\\udc00"]'), (str,)),
        (raw(b'["' + b"a" * 301 + b'"]'), (str,)),
        (raw(b'["2026-02-05T14:05:00"]'), (dt.datetime,)),  # no offset
        (raw(b'["0001-01-01T00:00:00+14:00"]'), (dt.datetime,)),  # before year 1 in UTC
        (raw(b'["9999-12-31T23:00:00-05:00"]'), (dt.datetime,)),  # after 9999 in UTC
        (raw(b'["yesterday"]'), (dt.datetime,)),
        (raw(b"[20260205]"), (dt.datetime,)),
    ],
)
def test_anything_else_is_invalid(cursor: str, shape: tuple[type, ...]) -> None:
    with pytest.raises(Invalid) as refused:
        cursors.decode(cursor, *shape)
    assert refused.value.field == "cursor"
    assert refused.value.status == 422
