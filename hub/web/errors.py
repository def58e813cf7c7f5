"""One mapping from action errors to HTTP: JSON under /api, a page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from hub.actions.errors import N_, ActionError, NotSignedIn
from hub.i18n import gettext
from hub.web.templating import render
from hub.web.visitor import visitor

log = logging.getLogger("hub.web")

_HTTP_MESSAGES = {
    400: N_("The request was not valid."),
    404: N_("This page does not exist, or you may not see it."),
    405: N_("This address does not accept that kind of request."),
    500: N_("Something went wrong on our side. Try again in a moment."),
}


def translate(request: Request, error: ActionError) -> str:
    return gettext(visitor(request).language, error.message, **error.params)


def api_error(request: Request, error: ActionError) -> JSONResponse:
    body: dict[str, Any] = {"code": error.code, "message": translate(request, error)}
    if error.field:
        body["field"] = error.field
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse({"error": body}, status_code=error.status, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def action_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ActionError)
    if _is_api(request):
        return api_error(request, exc)
    if isinstance(exc, NotSignedIn):
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    return render(
        request,
        "error.html",
        {"status": exc.status, "message": translate(request, exc)},
        status_code=exc.status,
    )


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route answers at this path: a path may be served by several routes,
    one per method, and Starlette's 405 names only the first one's."""
    found: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            found |= allowed_methods(route.routes, {**scope, **child})
        elif isinstance(route, Route):
            found |= route.methods or set()
    return found


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    language = visitor(request).language if "visitor" in request.scope.get("state", {}) else "en"
    message = gettext(language, _HTTP_MESSAGES.get(exc.status_code, _HTTP_MESSAGES[400]))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods = allowed_methods(request.app.routes, {**request.scope, "root_path": ""})
        headers["Allow"] = ", ".join(sorted(methods)) or headers.get("Allow", "")
    if _is_api(request) or "visitor" not in request.scope.get("state", {}):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        return JSONResponse(
            {"error": {"code": code, "message": message}},
            status_code=exc.status_code,
            headers=headers,
        )
    response = render(
        request,
        "error.html",
        {"status": exc.status_code, "message": message},
        status_code=exc.status_code,
    )
    response.headers.update(headers)
    return response


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = gettext("sr-Latn", _HTTP_MESSAGES[500])
    return JSONResponse({"error": {"code": "server_error", "message": message}}, status_code=500)
