"""The OpenAPI document, built from the API's route table and each handler's docstring."""

from __future__ import annotations

import inspect
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import hub

_ERRORS = {
    "401": "Not signed in",
    "403": "Signed in but not allowed",
    "404": "No such object, or the caller may not see it",
    "409": "State conflict",
    "413": "Body over the limit",
    "422": "Invalid fields",
    "429": "Rate-limited",
}


def build(routes: list[Route], prefix: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        doc = inspect.getdoc(route.endpoint) or ""
        first, _, rest = doc.partition("\n")
        summary = first.removeprefix("summary:").strip()
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", route.path)
        ]
        for method in sorted((route.methods or set()) - {"HEAD"}):
            operation: dict[str, Any] = {
                "summary": summary,
                "operationId": f"{method.lower()}_{route.name}",
                "responses": {
                    "200": {"description": "Success"},
                    **{code: {"description": text} for code, text in _ERRORS.items()},
                },
            }
            if rest.strip():
                operation["description"] = rest.strip()
            if params:
                operation["parameters"] = params
            if method in ("POST", "PUT", "PATCH"):
                operation["requestBody"] = {
                    "content": {"application/json": {"schema": {"type": "object"}}}
                }
            paths.setdefault(prefix + route.path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "hub API", "version": hub.__version__},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "hub_session"},
            }
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


def endpoint(routes: list[Route]) -> Any:
    document = build(routes)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    return openapi
