"""CSRF and Origin (S2): every state-changing request carries a token bound to the session, or
is refused with a 403 before the app sees it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request

from hub.actions.errors import N_
from hub.auth import csrf_valid
from hub.i18n import gettext
from hub.plumbing.runtime import Runtime
from hub.web.errors import error_response
from hub.web.middleware import SAFE_METHODS, ASGIApp, Message, Receive, Scope, Send
from hub.web.visitor import Visitor


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
    return token, _replaying(b"".join(chunks), more, receive)


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
    return body, _replaying(body, False, receive)


def _replaying(body: bytes, more: bool, receive: Receive) -> Receive:
    """A receive that hands the app what was already read, as one message, then the rest."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


async def _refuse(scope: Scope, send: Send, found: Visitor, message: str) -> None:
    request = Request(scope)
    await error_response(request, 403, "csrf", gettext(found.language, message))(
        scope, _no_body, send
    )


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
