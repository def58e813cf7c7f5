"""S10: what a fuzzer sends to the JSON API gets the documented 4xx and writes nothing: ids in
other scripts' digits, deep nesting, huge integers, lone surrogates, NUL, other media types,
fields of the wrong type, unknown fields; and every 405 names the methods that are allowed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub.actions.context import act
from hub.models import Post, User
from hub.plumbing.runtime import Runtime
from tests.conftest import api_token, make_user


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return dict(body["error"])


async def count(runtime: Runtime, model: Any) -> int:
    async with act(runtime, system=True) as ctx:
        return int((await ctx.db.exec(select(func.count()).select_from(model))).one()[0])


@pytest.fixture
async def admin(client: httpx.AsyncClient, seeded: Runtime) -> dict[str, str]:
    await make_user(seeded, "admin@example.org", admin=True, networks={"sport": "coordinator"})
    return await api_token(client, "admin@example.org")


async def thread_of(client: httpx.AsyncClient, admin: dict[str, str]) -> int:
    made = await client.post(
        "/api/v1/networks/sport/threads", json={"title": "T", "body": "b"}, headers=admin
    )
    assert made.status_code == 201, made.text
    return int(made.json()["thread"]["id"])


@pytest.mark.parametrize("digit", ["%C2%B2", "%D9%A1", "%EF%BC%91", "1%C2%B2", "-1", "+1", "1.0"])
async def test_ids_in_other_digits_are_422_not_another_object(
    client: httpx.AsyncClient, admin: dict[str, str], digit: str
) -> None:
    thread = await thread_of(client, admin)
    assert thread == 1  # so that reading '١' (Arabic-Indic one) as 1 would find it
    for path in (
        f"/api/v1/threads/{digit}",
        f"/api/v1/threads/{digit}/posts",
        f"/api/v1/posts/{digit}/history",
        f"/api/v1/networks/sport/members/{digit}",
    ):
        method = "PUT" if "members" in path else "GET"
        body = {"role": "member"} if method == "PUT" else None
        response = await client.request(method, path, headers=admin, json=body)
        assert error_of(response, 422)["code"] == "invalid", path
    for query in ("limit", "after"):
        response = await client.get(f"/api/v1/threads/1/posts?{query}={digit}", headers=admin)
        assert error_of(response, 422)["field"] == query
    for query in ("cursor",):
        response = await client.get(f"/api/v1/search?q=plan&{query}={digit}", headers=admin)
        assert error_of(response, 422)["field"] == query
    if digit != "+1":  # in a query string that is " 1", an author given with a space
        # An author given in other digits is a handle that matches no one, not user 1.
        response = await client.get(f"/api/v1/search?q=plan&author={digit}", headers=admin)
        assert error_of(response, 422)["field"] == "author"


async def test_ids_beyond_the_database_are_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for path in ("/api/v1/threads/2147483648", "/api/v1/threads/0", "/api/v1/threads/" + "9" * 40):
        error_of(await client.get(path, headers=admin), 404)


async def test_pages_answer_404_for_ids_in_other_digits(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await thread_of(client, admin)
    for path in ("/threads/%D9%A1", "/posts/%C2%B2/history", "/admin/users/%D9%A1"):
        assert (await client.get(path, headers=admin)).status_code == 404, path
    assert (await client.get("/search?q=plan&offset=%C2%B2", headers=admin)).status_code == 200


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"body": ' + "[" * 5000 + "]" * 5000 + "}", None),  # RecursionError in json
        ('{"body": "x", "reply_to": ' + "[" * 40 + "]" * 40 + "}", None),  # over MAX_DEPTH
        ('{"body": "x", "reply_to": ' + "7" * 5000 + "}", None),  # over Python's int limit
        ('{"body": "x", "reply_to": ' + "7" * 30 + "}", None),
        ('{"body": "x", "reply_to": NaN}', None),
        ('{"body": "x\\ud800"}', "body"),
        ('{"body": "\\udfff x"}', "body"),
        ('{"body": "a\\u0000b"}', "body"),
        ('{"body": "ok", "attachments": [1, "\\u0000"]}', "attachments.1"),
        ('{"body": "ok", "\\ud800": 1}', None),
        ('{"body": "x", "reply_to": true}', "reply_to"),
        ('{"body": 5}', "body"),
        ('{"body": "x", "extra": 1}', "extra"),
        ('{"body": "   "}', "body"),
        ("[1]", None),
        (b'{"body": "\xff"}', None),
    ],
)
async def test_malformed_json_is_422_and_writes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], seeded: Runtime, raw: Any, field: str | None
) -> None:
    thread = await thread_of(client, admin)
    before = await count(seeded, Post)
    response = await client.post(
        f"/api/v1/threads/{thread}/posts",
        content=raw,
        headers={**admin, "Content-Type": "application/json"},
    )
    error = error_of(response, 422)
    assert error.get("field") == field
    assert await count(seeded, Post) == before


async def test_surrogates_and_nul_on_the_token_exchange_are_422(
    client: httpx.AsyncClient, seeded: Runtime
) -> None:
    for raw in ('{"email": "a@b.rs\\ud800", "password": "x"}', '{"email": "a\\u0000@b.rs"}'):
        response = await client.post(
            "/api/v1/auth/token", content=raw, headers={"Content-Type": "application/json"}
        )
        assert error_of(response, 422)["field"] == "email"


async def test_other_media_types_are_415(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    thread = await thread_of(client, admin)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx"):
        response = await client.post(
            f"/api/v1/threads/{thread}/posts",
            content=b'{"body": "x"}',
            headers={**admin, "Content-Type": content_type},
        )
        assert error_of(response, 415)["code"] == "unsupported_media_type"
    response = await client.post(
        f"/api/v1/threads/{thread}/posts", content=b'{"body": "x"}', headers=admin
    )
    error_of(response, 415)
    response = await client.post(
        "/api/v1/attachments", json={"file": "x"}, headers=admin
    )  # the upload takes multipart only
    error_of(response, 415)
    ok = await client.post(
        f"/api/v1/threads/{thread}/posts",
        content=b'{"body": "x"}',
        headers={**admin, "Content-Type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201, ok.text


async def test_is_admin_must_be_a_boolean(
    client: httpx.AsyncClient, admin: dict[str, str], seeded: Runtime
) -> None:
    before = await count(seeded, User)
    for value in ("true", 1, "yes", None, [True]):
        body = {"email": "x@example.org", "name": "X", "is_admin": value}
        response = await client.post("/api/v1/users", json=body, headers=admin)
        assert error_of(response, 422)["field"] == "is_admin"
    assert await count(seeded, User) == before
    made = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X", "is_admin": True},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["is_admin"] is True


async def test_every_405_names_the_allowed_methods(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for method, path, allowed in [
        ("PUT", "/api/v1/networks/sport/threads", {"GET", "HEAD", "POST"}),
        ("POST", "/api/v1/posts/1", {"PATCH", "DELETE"}),
        ("PATCH", "/api/v1/users", {"POST"}),
        ("DELETE", "/api/v1/threads/1/posts", {"GET", "HEAD", "POST"}),
        ("PUT", "/signin", {"GET", "HEAD", "POST"}),
        ("DELETE", "/threads/1", {"GET", "HEAD"}),
    ]:
        response = await client.request(method, path, headers=admin)
        assert response.status_code == 405, (method, path, response.text)
        assert {m.strip() for m in response.headers["allow"].split(",")} == allowed, path
