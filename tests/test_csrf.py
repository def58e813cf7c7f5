"""CSRF (S2): every state-changing route in the route table needs a token or a good Origin."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select
from starlette.routing import BaseRoute, Mount, Route

from hub.config import Settings
from hub.i18n import gettext
from hub.models import NetworkMembership, User
from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from hub.web.csrf import CSRF_EXEMPT_PATHS
from tests.conftest import api_token, csrf_of, make_user, sign_in

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def state_changing(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) of every unsafe route, walking into mounted routers."""
    for route in routes:
        if isinstance(route, Mount):
            yield from state_changing(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) & UNSAFE):
                yield method, prefix + route.path


def fill(path: str, user_id: int) -> str:
    """A concrete URL for a path template: real objects, so only the CSRF check can refuse."""
    slugs = {"/committees/": "finansije", "/municipalities/": "novi-sad"}
    slug = next((s for part, s in slugs.items() if part in path), "sport")

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "slug":
            return slug
        if name == "user_id":
            return str(user_id)
        if name == "token":
            return "not-a-real-token"
        return "1"

    return re.sub(r"{([^}]+)}", value, path)


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: any change at all shows up, whatever the route touches."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            result = await conn.execute(sa_select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(r) for r in result.all()]
    return rows


def csrf_refusal(response: httpx.Response) -> bool:
    """The middleware's refusal, not a permission check that happens to say 403 too."""
    if response.headers["content-type"].startswith("application/json"):
        return bool(response.json()["error"]["code"] == "csrf")
    expired = gettext("sr-Latn", "The form has expired. Reload the page and try again.")
    return str(escape(expired)) in response.text


def test_the_route_table_has_the_known_unsafe_routes() -> None:
    from hub.web.routes import all_routes

    found = set(state_changing(all_routes()))
    for expected in [
        ("POST", "/signin"),
        ("POST", "/signout"),
        ("POST", "/profile"),
        ("POST", "/api/v1/users"),
        ("PUT", "/api/v1/networks/{slug}/members/{user_id}"),
        ("DELETE", "/api/v1/committees/{slug}/members/{user_id}"),
    ]:
        assert expected in found


async def test_every_unsafe_route_refuses_a_session_without_token(
    app: Any, client: httpx.AsyncClient, seeded: Runtime
) -> None:
    admin_id = await make_user(
        seeded, "admin@example.org", admin=True, networks={"sport": "member"}
    )
    target = await make_user(
        seeded, "clan@example.org", networks={"sport": "member"}, committees={"finansije": "member"}
    )
    await sign_in(client, "admin@example.org")
    routes = sorted(set(state_changing(app.routes)))
    assert len(routes) >= 10
    before = await snapshot(seeded)
    checked = []
    for method, template in routes:
        if template in CSRF_EXEMPT_PATHS or template.startswith("/unsubscribe/"):
            continue  # asserted below: it never touches the session (unsubscribe: a signed
            # token is its authority, RFC 8058; tests/test_notification_mail.py)
        url = fill(template, target)
        if template.startswith("/api/"):
            response = await client.request(method, url, json={"role": "coordinator", "name": "X"})
        else:
            response = await client.request(
                method, url, data={"name": "Changed", "role": "coordinator", "language": "en"}
            )
        assert response.status_code == 403, (method, url, response.status_code, response.text)
        assert csrf_refusal(response), (method, url, response.text)
        checked.append((method, url))
    assert await snapshot(seeded) == before, "a refused request changed the database"
    # Still signed in: even /signout was refused.
    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["user"]["id"] == admin_id
    exempt = [t for _, t in routes if t in CSRF_EXEMPT_PATHS or t.startswith("/unsubscribe/")]
    assert len(checked) == len(routes) - len(exempt)
    print("checked:", *checked, sep="\n  ")


async def test_a_wrong_or_foreign_token_is_refused(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await make_user(runtime, "ana@example.org")
    await make_user(runtime, "bojan@example.org")
    anonymous_token = await csrf_of(client, "/signin")
    await sign_in(client, "ana@example.org")
    transport = httpx.ASGITransport(app=app, client=("203.0.113.20", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await sign_in(other, "bojan@example.org")
        bojans_token = await csrf_of(other, "/profile")
    before = await snapshot(runtime)
    for token in (anonymous_token, bojans_token, "", "0" * 64):
        response = await client.post(
            "/profile", data={"name": "Changed", "language": "en", "csrf_token": token}
        )
        assert response.status_code == 403
    header = await client.post(
        "/api/v1/users",
        json={"email": "x@example.org", "name": "X"},
        headers={"X-CSRF-Token": bojans_token},
    )
    assert header.status_code == 403
    assert header.json()["error"]["code"] == "csrf"
    assert await snapshot(runtime) == before


async def test_a_token_from_a_page_is_accepted(client: httpx.AsyncClient, seeded: Runtime) -> None:
    admin_id = await make_user(seeded, "admin@example.org", admin=True)
    await sign_in(client, "admin@example.org")
    token = await csrf_of(client, "/profile")

    profile = await client.post(
        "/profile", data={"name": "Nova Ime", "language": "en", "title": "", "csrf_token": token}
    )
    assert profile.status_code == 303, profile.text  # saved: a form with an error answers 200
    created = await client.post(
        "/api/v1/users",
        json={"email": "novi@example.org", "name": "Novi"},
        headers={"X-CSRF-Token": token},
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    member = await client.put(
        f"/api/v1/networks/sport/members/{user_id}",
        json={"role": "member"},
        headers={"X-CSRF-Token": token},
    )
    assert member.status_code == 200, member.text
    # A token in the URL is not accepted: it would leak into history and logs.
    in_url = await client.delete(f"/api/v1/networks/sport/members/{user_id}?csrf_token={token}")
    assert in_url.status_code == 403
    removed = await client.delete(
        f"/api/v1/networks/sport/members/{user_id}", headers={"X-CSRF-Token": token}
    )
    assert removed.status_code == 204
    async with seeded.sessionmaker() as db:
        assert (await db.get(User, admin_id)).name == "Nova Ime"  # type: ignore[union-attr]
        assert (await db.exec(select(NetworkMembership))).all() == []
    out = await client.post("/signout", data={"csrf_token": token})
    assert out.status_code == 303
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_foreign_origin_is_refused_even_with_a_token(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, "ana@example.org")
    await sign_in(client, "ana@example.org")
    token = await csrf_of(client, "/profile")
    form = {"name": "Changed", "language": "en", "title": "", "csrf_token": token}
    for origin in ("https://evil.example", "http://testserver.evil.example", "http://evil"):
        response = await client.post("/profile", data=form, headers={"Origin": origin})
        assert response.status_code == 403, origin
    api = await client.put(
        f"/api/v1/networks/sport/members/{user_id}",
        json={"role": "member"},
        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
    )
    assert api.status_code == 403
    async with runtime.sessionmaker() as db:
        assert (await db.get(User, user_id)).name != "Changed"  # type: ignore[union-attr]
    same = await client.post("/profile", data=form, headers={"Origin": "http://testserver"})
    assert same.status_code == 303, same.text
    async with runtime.sessionmaker() as db:
        assert (await db.get(User, user_id)).name == "Changed"  # type: ignore[union-attr]


@pytest.mark.parametrize("origin", ["https://partner.example.org"])
async def test_an_allowed_origin_is_accepted(
    origin: str, settings: Settings, runtime: Runtime
) -> None:
    allowing = settings.with_(allowed_origins=(origin,))
    app = create_app(allowing, runtime=dataclasses.replace(runtime, settings=allowing))
    await make_user(runtime, "ana@example.org")
    transport = httpx.ASGITransport(app=app, client=("203.0.113.30", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await sign_in(c, "ana@example.org")
        token = await csrf_of(c, "/profile")
        response = await c.post(
            "/profile",
            data={"name": "Changed", "language": "en", "title": "", "csrf_token": token},
            headers={"Origin": origin},
        )
    assert response.status_code == 303, response.text


async def test_bearer_calls_need_no_csrf_token(client: httpx.AsyncClient, seeded: Runtime) -> None:
    await make_user(seeded, "admin@example.org", admin=True)
    headers = await api_token(client, "admin@example.org")
    created = await client.post(
        "/api/v1/users", json={"email": "novi@example.org", "name": "Novi"}, headers=headers
    )
    assert created.status_code == 201
    member = await client.put(
        f"/api/v1/networks/sport/members/{created.json()['id']}",
        json={"role": "member"},
        headers=headers,
    )
    assert member.status_code == 200
    # A bearer header with a bad token is simply not signed in: the session cookie, if any,
    # is not consulted, so there is nothing to forge.
    await sign_in(client, "admin@example.org")
    bad = await client.post(
        "/api/v1/users",
        json={"email": "other@example.org", "name": "O"},
        headers={"Authorization": "Bearer hub_not-a-token"},
    )
    assert bad.status_code == 401


async def test_the_token_endpoint_ignores_the_session(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Exempt from the token check: it answers only for the credentials in its body."""
    await make_user(runtime, "ana@example.org")
    await sign_in(client, "ana@example.org")
    response = await client.post("/api/v1/auth/token", json={})
    assert response.status_code == 422
    assert "token" not in response.json()
