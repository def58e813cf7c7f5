"""The OpenAPI document, generated from the route table and each handler's Spec
(hub.web.api.spec): the same declarations the handlers validate their input with."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import hub
from hub.ids import MAX_ID
from hub.web.api.shapes import SCHEMAS, ref
from hub.web.api.spec import Answer, JsonSchema, Param, Spec, spec_of

# Examples for path parameters: objects `hub seed` (and `--demo`) creates, so that a reader
# (or schemathesis) trying the document reaches real objects, not only 404s.
_EXAMPLES = {"/committees/": "finansije", "/networks/": "elektronska-uprava"}

_COMMON: dict[int, str] = {
    400: "a query string with a NUL character, or a malformed multipart body",
    401: "not signed in (no or unknown credentials)",
    404: "no such object, or the caller may not see it",
    413: "the body is over the limit",
    415: "the body is not of the declared media type",
    422: "an invalid field or parameter; `field` names it",
}


class UndeclaredEndpoint(RuntimeError):
    pass


def _path_params(route: Route, spec: Spec) -> list[Param]:
    declared = {p.name: p for p in spec.path}
    found = []
    for name in re.findall(r"{(\w+)(?::\w+)?}", route.path):
        if name in declared:
            found.append(declared[name])
        elif name.endswith("_id"):
            found.append(Param(name, "int", minimum=1, maximum=MAX_ID, example=1))
        else:
            prefix = next((p for p in _EXAMPLES if route.path.startswith(p)), None)
            found.append(Param(name, max_length=80, example=_EXAMPLES.get(prefix or "")))
    return found


def _answer(status: int, answer: Answer) -> JsonSchema:
    text, schema = (answer, None) if isinstance(answer, str) else answer
    out: JsonSchema = {"description": text}
    if status >= 400:
        out["content"] = {"application/json": {"schema": ref("Error")}}
    elif schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def responses_of(route: Route, spec: Spec) -> dict[int, Answer]:
    """The endpoint's own answers and every status its kind of endpoint can give."""
    statuses: set[int] = {400}  # hub.web.middleware refuses NUL in any query string
    if not spec.public:
        statuses.add(401)
    if spec.body is not None or spec.upload:
        statuses |= {413, 415, 422}
    if spec.query:
        statuses.add(422)
    for param in _path_params(route, spec):
        statuses |= {404, 422} if param.kind == "int" or param.choices else {404}
    answers: dict[int, Answer] = {s: _COMMON[s] for s in statuses}
    answers.update(spec.responses)
    return dict(sorted(answers.items()))


def operation(route: Route, method: str, spec: Spec) -> JsonSchema:
    out: JsonSchema = {
        "summary": spec.summary,
        "operationId": f"{method.lower()}_{route.name}",
    }
    if spec.description:
        out["description"] = spec.description
    params = [p.openapi("path") for p in _path_params(route, spec)]
    params += [p.openapi("query") for p in spec.query]
    if params:
        out["parameters"] = params
    if spec.body is not None:
        schema = spec.body_schema()
        out["requestBody"] = {
            "required": bool(schema.get("required")),
            "content": {"application/json": {"schema": schema}},
        }
    elif spec.upload:
        out["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {spec.upload: {"type": "string", "format": "binary"}},
                        "required": [spec.upload],
                    }
                }
            },
        }
    out["responses"] = {
        str(status): _answer(status, answer) for status, answer in responses_of(route, spec).items()
    }
    if spec.public:
        out["security"] = []
    return out


def build(routes: list[Route], prefix: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        spec = spec_of(route.endpoint)
        if spec is None:
            raise UndeclaredEndpoint(f"{route.path} has no Spec (hub.web.api.spec)")
        path = prefix + re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = operation(route, method, spec)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hub API",
            "version": hub.__version__,
            "description": 'Errors answer `{"error": {"code", "message", "field"?}}`; '
            "see docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "hub_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


def endpoint(routes: list[Route]) -> Callable[[Request], Awaitable[Response]]:
    document = build(routes)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    return openapi
