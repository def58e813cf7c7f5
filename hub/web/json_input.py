"""Decoding JSON request bodies strictly: every way a body can be malformed is a 4xx, never a 500.

- the media type must be JSON (415 otherwise), the bytes UTF-8;
- nesting deeper than MAX_DEPTH, integers longer than MAX_INT_DIGITS (Python's own limit of
  4,300 digits would raise a ValueError), NaN and Infinity are 422;
- a lone surrogate (`"\\ud800"`) or NUL anywhere in a decoded string or key is 422 naming the
  field: neither can be stored (PostgreSQL refuses NUL in text, UTF-8 cannot encode a surrogate).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hub.actions.errors import N_, ActionError, Invalid

MAX_DEPTH = 32
MAX_INT_DIGITS = 20
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
JSON_MEDIA_TYPES = ("application/json",)
_UNSTORABLE_TEXT = N_("The text contains characters that cannot be stored.")


class UnsupportedMediaType(ActionError):
    status = 415
    code = "unsupported_media_type"


class _Refused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(N_("A number in the body is too long."))
    return int(text)


def _parse_constant(text: str) -> Any:
    raise _Refused(N_("The body must be a JSON object."))


def is_json_media_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media in JSON_MEDIA_TYPES


def decode_json_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as a JSON object; {} for an empty body sent without a Content-Type."""
    if not raw and content_type is None:
        return {}
    if not is_json_media_type(content_type):
        raise UnsupportedMediaType(N_("Send the body as application/json."))
    try:
        data = json.loads(
            raw.decode("utf-8") if raw else "{}",
            parse_int=_parse_int,
            parse_constant=_parse_constant,
        )
    except _Refused as refused:
        raise Invalid(refused.message) from None
    except RecursionError:
        raise Invalid(N_("The body is nested too deeply.")) from None
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        raise Invalid(N_("The body must be a JSON object.")) from None
    if not isinstance(data, dict):
        raise Invalid(N_("The body must be a JSON object."))
    _check_tree(data)
    return data


def _check_tree(data: dict[str, Any]) -> None:
    """Depth, and storable text in every key and string; iterative, so depth cannot hurt."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Invalid(N_("The body is nested too deeply."))
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else key
                if _UNSTORABLE.search(key):
                    raise Invalid(_UNSTORABLE_TEXT, field=path or None)
                stack.append((item, where, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            raise Invalid(_UNSTORABLE_TEXT, field=path)
