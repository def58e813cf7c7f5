"""Plain ASGI middleware: who is asking, body limits, NUL in addresses, headers and the answer
to unhandled errors, metrics. CSRF and Origin are hub.web.csrf's."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.datastructures import Headers
from starlette.requests import Request

from hub.actions.credentials import Identity, resolve_api_token, resolve_session
from hub.actions.errors import N_
from hub.actions.validate import UNSTORABLE
from hub.i18n import gettext, normalize_language
from hub.plumbing.runtime import Runtime
from hub.web.errors import (
    error_response,
    reader_language,
    server_error_response,
    too_large_response,
)
from hub.web.visitor import ANON_COOKIE, LANG_COOKIE, SESSION_COOKIE, Visitor

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("hub.access")
REQUESTS = Counter("hub_http_requests_total", "HTTP requests", ["method", "status"])
LATENCY = Histogram("hub_http_request_seconds", "HTTP request latency", ["method"])
IN_FLIGHT = Gauge("hub_http_requests_in_flight", "HTTP requests this process is answering")
IN_FLIGHT.set_function(lambda: HeadersAndMetricsMiddleware.in_flight)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

NO_SUCH_PAGE = N_("This page does not exist, or you may not see it.")
NUL_IN_ADDRESS = N_("The address contains a character that is not allowed (NUL).")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is treated as no cookies
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _is_page(scope: Scope) -> bool:
    """A page a browser GETs (its header shows the bell), not the API, files or a socket."""
    path: str = scope.get("path", "")
    return (
        scope["type"] == "http"
        and scope.get("method") == "GET"
        and not path.startswith(("/api/", "/static/", "/health", "/ws"))
    )


class VisitorMiddleware:
    """Resolves the session cookie or bearer token into scope["state"]["visitor"]."""

    def __init__(self, app: ASGIApp, runtime: Callable[[], Runtime]) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        runtime = self.runtime()
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        found = Visitor(language=runtime.settings.default_language)
        auth = headers.get("authorization", "")
        identity: Identity | None = None
        if auth.lower().startswith("bearer "):
            identity = await resolve_api_token(runtime, auth[7:].strip())
            found.via = "token" if identity else ""
        elif cookies.get(SESSION_COOKIE):
            # A page's header shows the bell: its count comes in the same query.
            resolved = await resolve_session(
                runtime, cookies[SESSION_COOKIE], with_unread=_is_page(scope)
            )
            if resolved is not None:
                identity = resolved[1]
                found.via = "session"
                found.session_token = cookies[SESSION_COOKIE]
        if identity is not None:
            found.user_id, found.name = identity.user_id, identity.name
            found.is_admin, found.language = identity.is_admin, identity.language
            if scope["type"] == "http":  # a socket lives on: it must not keep the user row
                found.known = identity.known
            if found.via == "session":
                found.unread = identity.unread
        else:
            found.language = normalize_language(
                cookies.get(LANG_COOKIE), runtime.settings.default_language
            )
        anon = cookies.get(ANON_COOKIE, "")
        if 20 <= len(anon) <= 64:
            found.anon_id = anon
        else:
            found.anon_id = secrets.token_urlsafe(24)
            found.set_anon_cookie = True
        scope.setdefault("state", {})["visitor"] = found
        if scope["type"] == "websocket" or not found.set_anon_cookie:
            await self.app(scope, receive, send)
            return

        cookie = (
            f"{ANON_COOKIE}={found.anon_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000"
            + ("; Secure" if runtime.settings.secure_cookies else "")
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimitMiddleware:
    """413 for bodies over the limit, counted as they stream in, so memory stays flat (S7)."""

    def __init__(self, app: ASGIApp, limit: Callable[[str], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large_response(Request(scope), limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await too_large_response(Request(scope), limit)(scope, receive, send)


class _TooLarge(Exception):
    pass


class InputGuardMiddleware:
    """A path or query string with NUL is answered before any handler: 404 for the path (it
    names nothing), 400 for the query. PostgreSQL refuses NUL in text, SQLite would store it;
    neither gets it. Form fields are checked where forms are read (hub.web.forms), texts again
    by the actions (hub.actions.validate), JSON where it is decoded.

    Percent-decoding replaces bytes that are not UTF-8 (%ED%A0%80 included), so a lone
    surrogate cannot come from an address; the check covers it all the same.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if UNSTORABLE.search(scope["path"]):
            status, code, message = 404, "not_found", NO_SUCH_PAGE
        elif b"%00" in query or b"\x00" in query:  # %00 is the one way to say NUL in UTF-8
            status, code, message = 400, "bad_request", NUL_IN_ADDRESS
        else:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        text = gettext(reader_language(request), message)
        await error_response(request, status, code, text)(scope, receive, send)


_SECRET_PATHS = ("/invite/", "/reset/")


def loggable_path(path: str) -> str:
    """The path without the secret of invitation and reset links, which must not reach logs."""
    for prefix in _SECRET_PATHS:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix + "…"
    return path


class HeadersAndMetricsMiddleware:
    """Security headers on every response, one structured access-log line, Prometheus metrics,
    and the count of requests in flight in this process (the garbage collection's idea of a
    quiet moment needs it: hub.plumbing.gc_policy)."""

    in_flight = 0

    @staticmethod
    def waiting() -> int:
        return HeadersAndMetricsMiddleware.in_flight

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False
        HeadersAndMetricsMiddleware.in_flight += 1

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"content-security-policy", CSP.encode()),
                ]
                if self.secure:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                headers.extend((k, v) for k, v in extra if k not in present)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # Answered here, inside this middleware, so the 500 gets the headers too, and as
            # the error page or the API's JSON. Raised again for the server to see; Starlette's
            # ServerErrorMiddleware then finds the response started and sends nothing more.
            if not started:
                response = server_error_response(Request(scope), exc)
                await response(scope, receive, send_with_headers)
            raise
        finally:
            HeadersAndMetricsMiddleware.in_flight -= 1
            elapsed = time.perf_counter() - start
            REQUESTS.labels(scope["method"], str(status)).inc()
            LATENCY.labels(scope["method"]).observe(elapsed)
            if scope["path"] not in ("/healthz", "/metrics") and not scope["path"].startswith(
                "/static/"
            ):
                found = scope.get("state", {}).get("visitor")
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": loggable_path(scope["path"]),
                        "status": status,
                        "ms": round(elapsed * 1000, 1),
                        "user_id": getattr(found, "user_id", None),
                    },
                )
