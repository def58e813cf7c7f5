"""Declarations of the API's inputs and answers: one Spec per endpoint.

A handler reads its body and query through its Spec (`await SPEC.body(request)`,
`SPEC.query(request)`), and the OpenAPI document (hub.web.api.openapi) is generated from the
same Specs, so the document cannot promise what the handler does not check. The validation here
is exactly the JSON Schema the document shows (types, required, lengths, enums, patterns,
ranges, no unknown fields); the actions then apply the rules a schema cannot say (an e-mail
address already taken, a network that does not exist).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from hub.actions.errors import N_, Invalid
from hub.ids import MAX_ID, ascii_int
from hub.web.json_input import decode_json_body

JsonSchema = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]

# Text that is not blank, as the actions see blank (str.split's whitespace), spelt with \u
# escapes so that JSON Schema's (ECMA) regular expressions and Python's read it alike.
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in _WHITESPACE) + "]"


@dataclass(frozen=True)
class Field:
    """One property of a JSON request body."""

    name: str
    kind: Literal["text", "bool", "id", "ids", "int", "object"] = "text"
    required: bool = False
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None  # searched, as JSON Schema does
    max_items: int | None = None
    minimum: int = 0  # kind "int"
    maximum: int = MAX_ID  # kind "int"
    format: str | None = None  # kind "text": a JSON Schema format, e.g. "date-time"
    description: str = ""
    example: Any = None
    # The message for a missing or blank value: the action's own, so that "" and text of
    # invisible characters only (which the action refuses) read the same.
    blank: str = N_("This field is required.")
    # kind "object": its properties (no others allowed); their errors name `outer.inner`.
    parts: tuple[Field, ...] = ()

    def schema(self) -> JsonSchema:
        out: JsonSchema
        if self.kind == "object":
            out = {
                "type": "object",
                "properties": {f.name: f.schema() for f in self.parts},
                "additionalProperties": False,
            }
            if any(f.required for f in self.parts):
                out["required"] = [f.name for f in self.parts if f.required]
        elif self.kind == "bool":
            out = {"type": "boolean"}
        elif self.kind == "id":
            out = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        elif self.kind == "int":
            out = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        elif self.kind == "ids":
            out = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
            if self.max_items is not None:
                out["maxItems"] = self.max_items
        else:
            out = {"type": "string"}
            if self.max_length is not None:
                out["maxLength"] = self.max_length
            if self.min_length is not None:
                out["minLength"] = self.min_length
            if self.pattern:
                out["pattern"] = self.pattern
            if self.format:
                out["format"] = self.format
            if self.choices:
                out["enum"] = list(self.choices)
        if not self.required and self.kind != "bool":  # an optional field may be null
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        if self.description:
            out["description"] = self.description
        if self.example is not None:
            out["examples"] = [self.example]
        return out

    def read(self, data: Mapping[str, Any]) -> Any:
        """The field's value (None when absent or null and optional), or Invalid."""
        value = data.get(self.name)
        if self.kind == "object":
            return self._object(value)
        if value is None:
            if self.kind == "bool" and self.name in data:
                raise Invalid(N_("This must be true or false."), field=self.name)
            if self.required:
                raise Invalid(self.blank, field=self.name)
            return None
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise Invalid(N_("This must be true or false."), field=self.name)
            return value
        if self.kind == "id":
            value = _integral(value)
            if not _is_id(value):
                raise Invalid(N_("Not a valid id."), field=self.name)
            return value
        if self.kind == "int":
            value = _integral(value)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not self.minimum <= value <= self.maximum
            ):
                raise Invalid(
                    N_("A whole number from %(min)d to %(max)d, please."),
                    field=self.name,
                    min=self.minimum,
                    max=self.maximum,
                )
            return value
        if self.kind == "ids":
            value = [_integral(v) for v in value] if isinstance(value, list) else value
            if not isinstance(value, list) or not all(_is_id(v) for v in value):
                raise Invalid(N_("Give a list of ids."), field=self.name)
            if self.max_items is not None and len(value) > self.max_items:
                raise Invalid(
                    N_("At most %(max)d files per post."), field=self.name, max=self.max_items
                )
            return value
        return self._text(value)

    def _object(self, value: Any) -> dict[str, Any] | None:
        """A missing required object reads as an empty one, so that its first missing part is
        named; `blank` is the message for a value that is not an object."""
        if value is None and not self.required:
            return None
        if value is not None and not isinstance(value, dict):
            raise Invalid(self.blank, field=self.name)
        given = value or {}
        try:
            for key in given:
                if key not in {f.name for f in self.parts}:
                    raise Invalid(N_("This field is not known."), field=key)
            read = {f.name: f.read(given) for f in self.parts}
        except Invalid as error:
            field = f"{self.name}.{error.field}"
            raise Invalid(error.message, field=field, **error.params) from None
        if value is None:
            raise Invalid(self.blank, field=self.name)
        return read

    def _text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(N_("This field must be text."), field=self.name)
        if self.choices and value not in self.choices:
            raise Invalid(
                N_("Choose one of: %(choices)s."), field=self.name, choices=", ".join(self.choices)
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise Invalid(
                N_("At most %(max)d characters, please."), field=self.name, max=self.max_length
            )
        if self.min_length is not None and len(value) < self.min_length:
            raise Invalid(
                N_("At least %(min)d characters, please."), field=self.name, min=self.min_length
            )
        if self.pattern and not re.search(self.pattern, value):
            raise Invalid(self.blank, field=self.name)
        return value


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _integral(value: Any) -> Any:
    """JSON Schema counts 7.0 as an integer; so do the declarations (as the int 7)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_ID:
        return int(value)
    return value


@dataclass(frozen=True)
class Param:
    """One query parameter (or a path parameter's declaration)."""

    name: str
    kind: Literal["text", "int"] = "text"
    minimum: int = 0
    maximum: int = MAX_ID
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    message: str = N_("Between %(min)d and %(max)d, please.")
    description: str = ""
    example: Any = None

    def schema(self) -> JsonSchema:
        out: JsonSchema
        if self.kind == "int":
            out = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        else:
            out = {"type": "string"}
            if self.choices:
                out["enum"] = list(self.choices)
            if self.max_length is not None:
                out["maxLength"] = self.max_length
        return out

    def openapi(self, where: str) -> JsonSchema:
        out: JsonSchema = {
            "name": self.name,
            "in": where,
            "required": where == "path",
            "schema": self.schema(),
        }
        if self.description:
            out["description"] = self.description
        if self.example is not None:
            out["example"] = self.example
        return out

    def read(self, raw: str | None) -> Any:
        if raw is None:
            return None
        if self.kind == "int":
            value = ascii_int(raw)
            if value is None or not self.minimum <= value <= self.maximum:
                raise Invalid(self.message, field=self.name, min=self.minimum, max=self.maximum)
            return value
        if self.choices and raw not in self.choices:
            raise Invalid(
                N_("Choose one of: %(choices)s."), field=self.name, choices=", ".join(self.choices)
            )
        if self.max_length is not None and len(raw) > self.max_length:
            raise Invalid(
                N_("At most %(max)d characters, please."), field=self.name, max=self.max_length
            )
        return raw


Answer = str | tuple[str, JsonSchema]


@dataclass(frozen=True)
class Spec:
    """What one endpoint takes and answers.

    `body` None means no body; `upload` names the binary field of a multipart body instead.
    `responses` are the endpoint's own answers (the success first); the statuses every endpoint
    of its kind can answer (401, 413, 415, 422, ...) are added by the OpenAPI builder.
    """

    summary: str
    responses: dict[int, Answer]
    description: str = ""
    body: tuple[Field, ...] | None = None
    upload: str | None = None
    query: tuple[Param, ...] = ()
    path: tuple[Param, ...] = ()
    public: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __call__(self, handler: Handler) -> Handler:
        """Used as a decorator: the handler carries its Spec for the OpenAPI builder."""
        handler.spec = self  # type: ignore[attr-defined]
        return handler

    def body_schema(self) -> JsonSchema:
        fields = self.body or ()
        schema: JsonSchema = {
            "type": "object",
            "properties": {f.name: f.schema() for f in fields},
            "additionalProperties": False,
        }
        required = [f.name for f in fields if f.required]
        if required:
            schema["required"] = required
        return schema

    def read_body(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = self.body or ()
        known = {f.name for f in fields}
        for key in data:
            if key not in known:
                raise Invalid(N_("This field is not known."), field=key)
        return {f.name: f.read(data) for f in fields}

    async def read(self, request: Request) -> dict[str, Any]:
        """The JSON body, decoded strictly and checked against the declaration."""
        raw = await request.body()
        return self.read_body(decode_json_body(raw, request.headers.get("content-type")))

    def params(self, request: Request) -> dict[str, Any]:
        """The declared query parameters (None when absent); undeclared ones are ignored."""
        query = request.query_params
        return {p.name: p.read(query.get(p.name)) for p in self.query}


def spec_of(handler: object) -> Spec | None:
    found = getattr(handler, "spec", None)
    return found if isinstance(found, Spec) else None
