"""One mapping from errors to HTTP: JSON under /api, the error page elsewhere.

Every error answer goes through `error_response`, whatever raised it (an action, Starlette's
router, a middleware, an unhandled exception), so each status, 500 included, gets the same body
for its kind of path, in the reader's language; HeadersAndMetricsMiddleware adds the security
headers to all of them.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy.exc
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from hub.actions.errors import N_, ActionError, NotSignedIn
from hub.i18n import HTML_LANG, format_number, gettext
from hub.web.templating import render
from hub.web.visitor import Visitor

log = logging.getLogger("hub.web")

_HTTP_MESSAGES = {
    400: N_("The request was not valid."),
    404: N_("This page does not exist, or you may not see it."),
    405: N_("This address does not accept that kind of request."),
    413: N_("The request is too large: at most %(size)s."),
    500: N_("Something went wrong on our side. Try again in a moment."),
    503: N_("The hub is very busy right now. Nothing was changed; try again in a moment."),
}
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def translate(request: Request, error: ActionError) -> str:
    return gettext(reader_language(request), error.message, **error.params)


def _visitor(request: Request) -> Visitor | None:
    found = request.scope.get("state", {}).get("visitor")
    return found if isinstance(found, Visitor) else None


def reader_language(request: Request) -> str:
    """The visitor's language; before the visitor is known (a failure that early), the hub's."""
    found = _visitor(request)
    if found is not None:
        return found.language
    runtime = getattr(request.app.state, "runtime", None) if "app" in request.scope else None
    return runtime.settings.default_language if runtime is not None else "sr-Latn"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The answer to an error (`message` already in the reader's language): the API's JSON
    shape under /api, the error page elsewhere."""
    if _is_api(request):
        body: dict[str, Any] = {"code": code, "message": message}
        if field:
            body["field"] = field
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    page: Response
    if _visitor(request) is None:  # failed before the visitor was known: a page of its own
        page = _plain_page(reader_language(request), status, message)
    else:
        try:
            page = render(
                request, "error.html", {"status": status, "message": message}, status_code=status
            )
        except Exception:  # the error page itself failed: the plain one always renders
            log.exception("the error page could not be rendered")
            page = _plain_page(reader_language(request), status, message)
    page.headers.update(headers or {})
    return page


def _plain_page(language: str, status: int, message: str) -> HTMLResponse:
    text = html.escape(message)
    back = html.escape(gettext(language, N_("Back to the dashboard")))
    body = (
        f'<!doctype html><html lang="{HTML_LANG.get(language, "sr-Latn")}"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{status}</title><main><h1>{status}</h1><p>{text}</p>"
        f'<p><a href="/">{back}</a></p></main></html>'
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def api_error(request: Request, error: ActionError) -> JSONResponse:
    body: dict[str, Any] = {"code": error.code, "message": translate(request, error)}
    if error.field:
        body["field"] = error.field
    return JSONResponse({"error": body}, status_code=error.status, headers=_retry_after(error))


def _retry_after(error: ActionError) -> dict[str, str]:
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else {}


async def action_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ActionError)
    if _is_api(request):
        return api_error(request, exc)
    if isinstance(exc, NotSignedIn):
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    return error_response(
        request, exc.status, exc.code, translate(request, exc), headers=_retry_after(exc)
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
    status = exc.status_code
    message = gettext(reader_language(request), _HTTP_MESSAGES.get(status, _HTTP_MESSAGES[400]))
    code = _HTTP_CODES.get(status, "bad_request")
    headers = dict(exc.headers or {})
    if status == 405:
        methods = allowed_methods(request.app.routes, {**request.scope, "root_path": ""})
        headers["Allow"] = ", ".join(sorted(methods)) or headers.get("Allow", "")
    return error_response(request, status, code, message, headers=headers)


def too_large_response(request: Request, limit: int) -> Response:
    """413 for a body over `limit` bytes, saying the limit in the reader's language."""
    language = reader_language(request)
    if limit >= 1024 * 1024:
        size = f"{format_number(round(limit / (1024 * 1024), 1), language)} MB"
    else:
        size = f"{format_number(round(limit / 1024), language)} KB"
    message = gettext(language, _HTTP_MESSAGES[413], size=size)
    return error_response(request, 413, "too_large", message, headers={"Connection": "close"})


# nginx's code for "the client closed the connection": nobody reads the answer, but the access
# log and the metrics say what happened instead of counting the client's leaving as our fault.
CLIENT_CLOSED = 499


async def client_gone_handler(request: Request, exc: Exception) -> Response:
    """The client went away while its body was being read: not an error of the hub's."""
    log.info("client closed the connection on %s %s", request.method, request.url.path)
    return Response(status_code=CLIENT_CLOSED)


def server_error_response(request: Request, exc: BaseException) -> Response:
    """The 500 for an unhandled exception, logged here with its traceback; a 503 with
    Retry-After when the database was too busy to answer in time (its transaction rolled back,
    nothing changed), which is load, not a fault."""
    if busy(exc):
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        message = gettext(reader_language(request), _HTTP_MESSAGES[503])
        headers = {"Retry-After": str(BUSY_RETRY_AFTER)}
        return error_response(request, 503, "busy", message, headers=headers)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = gettext(reader_language(request), _HTTP_MESSAGES[500])
    return error_response(request, 500, "server_error", message)


BUSY_RETRY_AFTER = 2  # seconds


def busy(exc: BaseException) -> bool:
    """SQLite's write lock not had within its busy timeout, or no pooled connection free in
    time: the request waited its turn too long."""
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return True
    return isinstance(exc, sqlalchemy.exc.OperationalError) and "database is locked" in str(
        exc.orig
    )
