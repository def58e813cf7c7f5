"""Error answers (S10): the error page for pages and the API's JSON under /api on every status,
500 included, each with the security headers and in the reader's language; the 413 says the
limit in that language; an upload with two files is refused rather than half kept."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from html import escape
from typing import Any

import httpx
import pytest
import sqlalchemy.exc
from sqlmodel import select

from hub.actions.accounts import do_set_language
from hub.actions.context import act
from hub.i18n import gettext
from hub.models import User
from hub.plumbing.runtime import Runtime
from hub.reads import bodies
from hub.web import middleware
from hub.web.middleware import CSP
from tests.conftest import api_token, csrf_of, make_user, sign_in
from tests.test_board_pages import PDF, count_rows, stored_files

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": CSP,
}
SERVER_ERROR = "Something went wrong on our side. Try again in a moment."


def has_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name, response.headers)


def is_page(response: httpx.Response, status: int, language: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{language}">' in response.text
    assert escape(gettext(language, message), quote=False) in response.text
    has_security_headers(response)


def is_json(response: httpx.Response, status: int, code: str, language: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"code": code, "message": gettext(language, message)}}
    has_security_headers(response)


@pytest.fixture
async def tolerant(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that receives a 500 as the browser would, instead of the app's exception."""
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.7", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def english_user(runtime: Runtime, email: str) -> int:
    user_id = await make_user(runtime, email)
    async with act(runtime, actor_id=user_id) as ctx:
        await do_set_language(ctx, language="en")
    return user_id


async def test_a_500_is_the_error_page_or_json_with_the_headers(
    tolerant: httpx.AsyncClient, seeded: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await english_user(seeded, "en@example.org")
    headers = await api_token(tolerant, "en@example.org")
    await sign_in(tolerant, "en@example.org")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault injected by the test")

    monkeypatch.setattr(bodies, "network_directory", broken)  # behind /networks
    monkeypatch.setattr(bodies, "list_networks", broken)  # behind /api/v1/networks
    page = await tolerant.get("/networks")
    is_page(page, 500, "en", SERVER_ERROR)
    assert "Something went wrong</h1>" in page.text and 'href="/static/css/hub.css"' in page.text
    assert "RuntimeError" not in page.text and "injected" not in page.text
    api = await tolerant.get("/api/v1/networks", headers=headers)
    is_json(api, 500, "server_error", "en", SERVER_ERROR)
    tolerant.cookies.clear()
    tolerant.cookies.set("hub_lang", "sr-Cyrl")
    anonymous = await tolerant.get("/networks")
    is_page(anonymous, 500, "sr-Cyrl", SERVER_ERROR)


async def test_a_busy_database_is_a_503_to_retry_not_a_500(
    tolerant: httpx.AsyncClient, seeded: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's write lock not had within its busy timeout (the process overloaded) rolls the
    request back and says so: 503 with Retry-After, in the reader's language."""
    await english_user(seeded, "en@example.org")
    headers = await api_token(tolerant, "en@example.org")
    await sign_in(tolerant, "en@example.org")

    async def locked(*args: object, **kwargs: object) -> None:
        cause = sqlite3.OperationalError("database is locked")
        raise sqlalchemy.exc.OperationalError("INSERT INTO posts ...", {}, cause)

    monkeypatch.setattr(bodies, "network_directory", locked)
    monkeypatch.setattr(bodies, "list_networks", locked)
    busy = "The hub is very busy right now. Nothing was changed; try again in a moment."
    page = await tolerant.get("/networks")
    is_page(page, 503, "en", busy)
    assert page.headers["retry-after"] == "2"
    api = await tolerant.get("/api/v1/networks", headers=headers)
    is_json(api, 503, "busy", "en", busy)
    assert api.headers["retry-after"] == "2"

    async def timed_out(*args: object, **kwargs: object) -> None:
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached")

    monkeypatch.setattr(bodies, "list_networks", timed_out)
    is_json(await tolerant.get("/api/v1/networks", headers=headers), 503, "busy", "en", busy)

    async def other(*args: object, **kwargs: object) -> None:
        cause = sqlite3.OperationalError("no such table: networks")
        raise sqlalchemy.exc.OperationalError("SELECT ...", {}, cause)

    monkeypatch.setattr(bodies, "list_networks", other)  # a fault, not load: still a 500
    is_json(
        await tolerant.get("/api/v1/networks", headers=headers),
        500,
        "server_error",
        "en",
        SERVER_ERROR,
    )


async def test_a_500_before_the_visitor_is_known_is_still_a_page_with_the_headers(
    tolerant: httpx.AsyncClient, seeded: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the session store is down")

    monkeypatch.setattr(middleware, "resolve_session", broken)
    tolerant.cookies.set("hub_session", "x" * 43)
    page = await tolerant.get("/networks")
    is_page(page, 500, seeded.settings.default_language, SERVER_ERROR)
    api = await tolerant.get("/api/v1/networks")
    is_json(api, 500, "server_error", seeded.settings.default_language, SERVER_ERROR)


async def test_every_error_status_is_the_page_or_json_with_the_headers(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await english_user(seeded, "en@example.org")
    headers = await api_token(client, "en@example.org")
    await sign_in(client, "en@example.org")
    token = await csrf_of(client, "/profile")
    not_found = "This page does not exist, or you may not see it."
    is_page(await client.get("/no-such-page"), 404, "en", not_found)
    is_json(await client.get("/api/v1/no-such", headers=headers), 404, "not_found", "en", not_found)
    wrong_method = "This address does not accept that kind of request."
    is_page(
        await client.delete("/networks", headers={"X-CSRF-Token": token}), 405, "en", wrong_method
    )
    is_json(
        await client.patch("/api/v1/networks", headers=headers),
        405,
        "method_not_allowed",
        "en",
        wrong_method,
    )
    expired = "The form has expired. Reload the page and try again."
    is_page(await client.post("/profile", data={"name": "x"}), 403, "en", expired)
    is_json(await client.post("/api/v1/users", json={}), 403, "csrf", "en", expired)
    nul = "The address contains a character that is not allowed (NUL)."
    is_page(await client.get("/search?q=a%00b"), 400, "en", nul)
    is_json(
        await client.get("/api/v1/search?q=a%00b", headers=headers), 400, "bad_request", "en", nul
    )
    is_page(await client.get("/networks/a%00b"), 404, "en", not_found)
    cursor = "The page cursor is not valid."
    is_page(await client.get("/networks/mladi?cursor=%25"), 422, "en", cursor)
    refused = await client.get("/api/v1/networks/mladi/threads?cursor=%25", headers=headers)
    assert refused.json()["error"] == {
        "code": "invalid",
        "message": gettext("en", cursor),
        "field": "cursor",
    }
    has_security_headers(refused)


async def test_413_speaks_the_readers_language_in_json_and_on_the_page(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await english_user(seeded, "en@example.org")
    english = await api_token(client, "en@example.org")
    await make_user(seeded, "sr@example.org")
    serbian = await api_token(client, "sr@example.org")
    limit = seeded.settings.max_body_bytes
    big = b'{"name": "' + b"x" * limit + b'"}'
    for headers, language in ((english, "en"), (serbian, "sr-Latn")):
        response = await client.post(
            "/api/v1/users", content=big, headers={**headers, "Content-Type": "application/json"}
        )
        message = gettext(language, "The request is too large: at most %(size)s.", size="1 MB")
        assert response.status_code == 413
        assert response.json() == {"error": {"code": "too_large", "message": message}}
        has_security_headers(response)
    assert gettext("en", "The request is too large: at most %(size)s.", size="1 MB") != gettext(
        "sr-Latn", "The request is too large: at most %(size)s.", size="1 MB"
    )
    # A page: the error page, in the visitor's language (here chosen without signing in).
    client.cookies.clear()
    client.cookies.set("hub_lang", "sr-Cyrl")
    token = await csrf_of(client, "/signin")
    page = await client.post(
        "/signin",
        content=b"csrf_token=" + token.encode() + b"&email=" + b"x" * limit,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    message = gettext("sr-Cyrl", "The request is too large: at most %(size)s.", size="1 MB")
    assert page.status_code == 413
    assert escape(message, quote=False) in page.text and '<html lang="sr-Cyrl">' in page.text
    has_security_headers(page)


async def test_an_upload_with_two_files_is_refused_whole(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    await make_user(seeded, "up@example.org", networks={"mladi": "member"})
    headers = await api_token(client, "up@example.org")
    before, files = await count_rows(seeded), stored_files(seeded)
    two = [("file", ("a.pdf", PDF, "application/pdf")), ("file", ("b.pdf", PDF, "application/pdf"))]
    response = await client.post("/api/v1/attachments", files=two, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "file"
    assert response.json()["error"]["message"] == gettext("sr-Latn", "Send one file per request.")
    assert (await count_rows(seeded), stored_files(seeded)) == (before, files)
    one = await client.post("/api/v1/attachments", files=two[:1], headers=headers)
    assert one.status_code == 201 and one.json()["filename"] == "a.pdf"


async def test_a_client_leaving_mid_body_is_no_server_error(
    app: Any, seeded: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """A request whose client hangs up before its body has arrived changes nothing, is logged as
    the client's leaving (499 in the access log and metrics), and leaves no traceback."""
    await make_user(seeded, "ana@example.org", admin=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        token = (await api_token(client, "ana@example.org"))["Authorization"]
    parts = [
        {"type": "http.request", "body": b'{"email": "nova@example.org", ', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/users",
        "raw_path": b"/api/v1/users",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"200"),
            (b"authorization", token.encode()),
        ],
        "client": ("203.0.113.9", 5000),
        "server": ("testserver", 80),
    }
    with caplog.at_level("INFO", logger="hub.web"):
        await app(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    assert "client closed the connection on POST /api/v1/users" in caplog.text
    assert "unhandled error" not in caplog.text and "Traceback" not in caplog.text
    async with seeded.sessionmaker() as db:
        assert (await db.exec(select(User.email))).all() == ["ana@example.org"]
