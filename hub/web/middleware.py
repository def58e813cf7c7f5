"""Plain ASGI middleware: who is asking, CSRF and Origin, body limits, NUL in addresses, headers
and the answer to unhandled errors, metrics."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.requests import Request

from hub.actions.accounts import Identity, resolve_api_token, resolve_session
from hub.actions.errors import N_
from hub.actions.validate import UNSTORABLE
from hub.auth import csrf_valid
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


class CSRFMiddleware:
    """Every state-changing request carries a CSRF token bound to the session (S2).

    The token comes in the X-CSRF-Token header or in a `csrf_token` form field: the body of a
    urlencoded form is read here and replayed to the app; of a multipart form only the first part
    is read (pages put the token first, so uploads still stream). Never in the URL, where it would
    reach the address bar, the history and the logs. Bearer-token requests are exempt: no browser
    sends those on its own. A foreign Origin is refused outright.
    """

    def __init__(self, app: ASGIApp, runtime: Callable[[], Runtime]) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        settings = self.runtime().settings
        found: Visitor = scope["state"]["visitor"]
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if (
            origin
            and origin != "null"
            and not settings.origin_allowed(origin, headers.get("host", ""))
        ):
            await _refuse(scope, send, found, N_("Requests from other sites are not accepted."))
            return
        if _csrf_exempt(scope, headers, found):
            await self.app(scope, receive, send)
            return
        token = headers.get("x-csrf-token")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        replay_receive = receive
        if token is None and content_type == "application/x-www-form-urlencoded":
            body, replay_receive = await _buffer(receive)
            token = _csrf_field(body.decode("latin-1"))
        elif token is None and content_type == "multipart/form-data":
            boundary = _boundary(headers.get("content-type", ""))
            if boundary:
                token, replay_receive = await _first_part_token(receive, boundary)
        if not csrf_valid(settings.secret_key, found.csrf_binding(), token):
            await _refuse(
                scope, send, found, N_("The form has expired. Reload the page and try again.")
            )
            return
        await self.app(scope, replay_receive, send)


def _csrf_field(query: str) -> str | None:
    values = parse_qs(query).get("csrf_token")
    return values[0] if values else None


_FIRST_PART_LIMIT = 8192  # the token part comes first and is a few hundred bytes


def _boundary(content_type: str) -> bytes | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary" and value:
            return value.strip().strip('"').encode("latin-1")
    return None


async def _first_part_token(receive: Receive, boundary: bytes) -> tuple[str | None, Receive]:
    """The `csrf_token` field when it is the first part of a multipart body.

    Reads only as much of the body as that part needs (bounded), then replays what it read, so
    the files after it stream on to the app as before.
    """
    chunks: list[bytes] = []
    size, more, token = 0, True, None
    delimiter = b"--" + boundary
    while more and size <= _FIRST_PART_LIMIT:
        message = await receive()
        if message["type"] == "http.disconnect":
            more = False
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        head = b"".join(chunks)
        start = head.find(delimiter)
        end = head.find(b"\r\n" + delimiter, start + len(delimiter)) if start >= 0 else -1
        if end >= 0:
            part = head[start + len(delimiter) : end]
            headers, _, value = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
            disposition = headers.decode("latin-1").lower()
            if 'name="csrf_token"' in disposition and "filename=" not in disposition:
                token = value.decode("latin-1")
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return token, replay


# Takes e-mail and password in the body and answers with a token in the body: it never reads or
# sets the session cookie, so a forged cross-site request gains the forger nothing.
CSRF_EXEMPT_PATHS = frozenset({"/api/v1/auth/token"})


def _csrf_exempt(scope: Scope, headers: Headers, found: Visitor) -> bool:
    """Requests a browser cannot be tricked into sending with the visitor's session.

    With an Authorization: Bearer header the session cookie is ignored (VisitorMiddleware), and
    no cross-site page can add that header without a CORS preflight the hub never grants. An API
    call with no live session has no authority to forge, so it gets the contract's 401 (the
    pages keep the check: sign-in and the other anonymous forms are guarded against login CSRF).
    """
    if headers.get("authorization", "").lower().startswith("bearer "):
        return True
    path = str(scope["path"])
    if path.startswith("/unsubscribe/"):  # RFC 8058: the signed token is the authority
        return True
    return path in CSRF_EXEMPT_PATHS or (path.startswith("/api/") and not found.signed_in)


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _refuse(scope: Scope, send: Send, found: Visitor, message: str) -> None:
    request = Request(scope)
    await error_response(request, 403, "csrf", gettext(found.language, message))(
        scope, _no_body, send
    )


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


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
    """Security headers on every response, one structured access-log line, Prometheus metrics."""

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
