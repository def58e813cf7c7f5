"""Sign-in and sign-out: the session cookie's flags, rotation, revocation and timeouts (S1)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col, select

from hub.actions import identity_generation
from hub.actions.accounts import check_credentials, do_set_user_flags
from hub.actions.context import act
from hub.auth import hashed, password_matches
from hub.config import Settings
from hub.db import utcnow
from hub.models import AuthSession, User
from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from tests.conftest import PASSWORD, csrf_of, make_user, sign_in

EMAIL = "ana@example.org"


@asynccontextmanager
async def browser(app: Any, session: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, optionally holding a copied session cookie."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    cookies = {"hub_session": session} if session else None
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=cookies
    ) as c:
        yield c


async def signed_in_as(app: Any, session: str) -> int | None:
    """The user id a session cookie stands for, or None when it does not work."""
    async with browser(app, session) as other:
        response = await other.get("/api/v1/me")
    if response.status_code == 401:
        return None
    assert response.status_code == 200, response.text
    return int(response.json()["user"]["id"])


def session_cookie(response: httpx.Response) -> dict[str, Any]:
    """The hub_session Set-Cookie of a response: its value and attributes."""
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if "hub_session" in jar:
            morsel = jar["hub_session"]
            return {"value": morsel.value, **{k: v for k, v in morsel.items() if v}}
    raise AssertionError("no hub_session cookie set")


async def sign_in_again(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """Sign in from a browser that is signed in already (the sign-in page redirects it away)."""
    token = await csrf_of(client, "/reset")
    response = await client.post(
        "/signin", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return response


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error">([^<]*)<', page)
    assert found, page
    return found.group(1)


async def test_sign_in_sets_a_strict_session_cookie(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, EMAIL)
    response = await sign_in(client, EMAIL)
    cookie = session_cookie(response)
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert "secure" not in cookie  # plain http in this test: a Secure cookie would never come back
    assert await signed_in_as(app, cookie["value"]) == user_id
    assert (await client.get("/api/v1/me")).json()["user"]["email"] == EMAIL


async def test_cookie_is_secure_behind_https(settings: Settings, runtime: Runtime) -> None:
    await make_user(runtime, EMAIL)
    https = settings.with_(base_url="https://hub.example.org")
    # As in production, the app and its runtime share one Settings (pages read runtime.settings).
    app = create_app(https, runtime=dataclasses.replace(runtime, settings=https))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://hub.example.org") as c:
        response = await sign_in(c, EMAIL)
    cookie = session_cookie(response)
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_cookie_rotates_at_every_sign_in(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, EMAIL)
    first = session_cookie(await sign_in(client, EMAIL))["value"]
    second = session_cookie(await sign_in_again(client, EMAIL))["value"]
    assert first != second
    assert await signed_in_as(app, second) == user_id
    # The session the browser held before signing in again is over, not just forgotten.
    assert await signed_in_as(app, first) is None


async def test_a_planted_cookie_does_not_survive_sign_in(app: Any, runtime: Runtime) -> None:
    """Session fixation: an attacker's session planted in the victim's browser is ended."""
    await make_user(runtime, "mallory@example.org")
    victim_id = await make_user(runtime, EMAIL)
    async with browser(app) as attacker:
        planted = session_cookie(await sign_in(attacker, "mallory@example.org"))["value"]
    async with browser(app, planted) as victim:
        fresh = session_cookie(await sign_in_again(victim, EMAIL))["value"]
    assert fresh != planted
    assert await signed_in_as(app, planted) is None
    assert await signed_in_as(app, fresh) == victim_id


async def test_sign_out_revokes_the_session_server_side(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await make_user(runtime, EMAIL)
    copied = session_cookie(await sign_in(client, EMAIL))["value"]
    token = await csrf_of(client, "/")
    response = await client.post("/signout", data={"csrf_token": token})
    assert response.status_code == 303
    # The browser is told to drop the cookie, and the copy no longer works either.
    assert (
        'hub_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in (response.headers["set-cookie"])
    )
    assert await signed_in_as(app, copied) is None
    async with runtime.sessionmaker() as db:
        assert (await db.exec(select(AuthSession))).all() == []


async def _age_sessions(runtime: Runtime, **values: dt.datetime) -> None:
    """Hours pass, written by hand in SQL: as after any such edit (docs/operations.md), a new
    identity generation, so no process answers the session from what it kept of the row."""
    async with runtime.sessionmaker() as db:
        await db.exec(update(AuthSession).values(**values))
        await db.commit()
    await runtime.redis.delete(identity_generation.KEY)


async def test_idle_timeout(app: Any, client: httpx.AsyncClient, runtime: Runtime) -> None:
    user_id = await make_user(runtime, EMAIL)
    cookie = session_cookie(await sign_in(client, EMAIL))["value"]
    idle = dt.timedelta(minutes=runtime.settings.session_idle_minutes)
    # Just inside the idle window the session works and its last_seen_at is refreshed.
    await _age_sessions(runtime, last_seen_at=utcnow() - idle + dt.timedelta(minutes=1))
    assert await signed_in_as(app, cookie) == user_id
    async with runtime.sessionmaker() as db:
        seen = (await db.exec(select(AuthSession.last_seen_at))).one()
    assert seen > utcnow() - dt.timedelta(minutes=1)
    await _age_sessions(runtime, last_seen_at=utcnow() - idle - dt.timedelta(minutes=1))
    assert await signed_in_as(app, cookie) is None
    async with runtime.sessionmaker() as db:
        assert (await db.exec(select(AuthSession))).all() == []


async def test_absolute_timeout(app: Any, client: httpx.AsyncClient, runtime: Runtime) -> None:
    user_id = await make_user(runtime, EMAIL)
    cookie = session_cookie(await sign_in(client, EMAIL))["value"]
    async with runtime.sessionmaker() as db:
        row = (await db.exec(select(AuthSession))).one()
    assert row.expires_at - row.created_at == dt.timedelta(hours=runtime.settings.session_max_hours)
    await _age_sessions(runtime, expires_at=utcnow() + dt.timedelta(minutes=1))
    assert await signed_in_as(app, cookie) == user_id
    # Active all along (last_seen_at is fresh) but past its absolute lifetime: over.
    await _age_sessions(runtime, expires_at=utcnow() - dt.timedelta(seconds=1))
    assert await signed_in_as(app, cookie) is None


async def test_a_deactivated_users_session_stops_working(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, EMAIL)
    cookie = session_cookie(await sign_in(client, EMAIL))["value"]
    token = (
        await client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    ).json()["token"]
    # Switched off directly in the database: the session row is still there, and refused.
    async with runtime.sessionmaker() as db:
        await db.exec(update(User).where(col(User.id) == user_id).values(is_active=False))
        await db.commit()
    assert await signed_in_as(app, cookie) is None
    async with browser(app) as other:
        me = await other.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    # And a deactivated user cannot sign in again, with the same answer as a wrong password.
    response = await client.post(
        "/signin",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": await csrf_of(client)},
    )
    assert response.status_code == 422
    assert field_error(response.text, "password") == field_error(
        (
            await client.post(
                "/signin",
                data={"email": EMAIL, "password": "wrong", "csrf_token": await csrf_of(client)},
            )
        ).text,
        "password",
    )


async def test_deactivating_through_the_action_ends_sessions(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, EMAIL)
    cookie = session_cookie(await sign_in(client, EMAIL))["value"]
    async with act(runtime, system=True) as ctx:
        await do_set_user_flags(ctx, user_id, is_active=False)
    assert await signed_in_as(app, cookie) is None
    async with runtime.sessionmaker() as db:
        assert (await db.exec(select(AuthSession))).all() == []


async def test_unknown_email_and_wrong_password_look_the_same(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await make_user(runtime, EMAIL)
    answers = []
    for email, password in ((EMAIL, "not the password"), ("nobody@example.org", PASSWORD)):
        response = await client.post(
            "/signin",
            data={"email": email, "password": password, "csrf_token": await csrf_of(client)},
        )
        answers.append((response.status_code, field_error(response.text, "password")))
        assert "hub_session" not in response.headers.get("set-cookie", "")
    assert answers[0] == answers[1]
    assert answers[0][0] == 422
    api = [
        await client.post("/api/v1/auth/token", json={"email": e, "password": p})
        for e, p in ((EMAIL, "not the password"), ("nobody@example.org", PASSWORD))
    ]
    assert [r.status_code for r in api] == [422, 422]
    assert api[0].json() == api[1].json()


async def test_failed_sign_ins_are_audited(client: httpx.AsyncClient, runtime: Runtime) -> None:
    from hub.models import AuditEntry

    await make_user(runtime, EMAIL)
    await client.post(
        "/signin",
        data={"email": EMAIL, "password": "wrong", "csrf_token": await csrf_of(client)},
    )
    async with runtime.sessionmaker() as db:
        actions = (await db.exec(select(AuditEntry.action))).all()
    assert "auth.signin_failed" in actions


async def test_sign_in_redirects_only_within_the_site(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await make_user(runtime, EMAIL)
    for target, expected in (
        ("/networks", "/networks"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
    ):
        response = await client.post(
            "/signin",
            data={
                "email": EMAIL,
                "password": PASSWORD,
                "next": target,
                "csrf_token": await csrf_of(client, "/reset"),
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == expected


async def test_changing_the_password_ends_the_other_sessions(
    app: Any, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user_id = await make_user(runtime, EMAIL)
    here = session_cookie(await sign_in(client, EMAIL))["value"]
    async with browser(app) as phone:
        there = session_cookie(await sign_in(phone, EMAIL))["value"]
    token = await csrf_of(client, "/profile")
    wrong = await client.post(
        "/profile/password",
        data={"current_password": "not it", "new_password": "a new password!", "csrf_token": token},
    )
    assert wrong.status_code == 422
    assert await signed_in_as(app, there) == user_id
    changed = await client.post(
        "/profile/password",
        data={"current_password": PASSWORD, "new_password": "a new password!", "csrf_token": token},
    )
    assert changed.status_code == 303
    assert await signed_in_as(app, here) == user_id
    assert await signed_in_as(app, there) is None
    async with browser(app) as other:
        old = await other.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
        new = await other.post(
            "/api/v1/auth/token", json={"email": EMAIL, "password": "a new password!"}
        )
    assert (old.status_code, new.status_code) == (422, 200)


async def test_hashing_and_checking_a_password_let_other_requests_go_on(seeded: Runtime) -> None:
    """Argon2's deliberate cost is paid in a thread: the event loop runs other work meanwhile
    (a sign-in or a new account must not stall every socket and request of the process)."""
    ticks = 0
    stop = asyncio.Event()

    async def other_work() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    async def during(work: Awaitable[object]) -> int:
        nonlocal ticks
        ticks = 0
        stop.clear()
        task = asyncio.create_task(other_work())
        await asyncio.sleep(0)  # let it start
        ticks = 0
        await work
        seen = ticks
        stop.set()
        await task
        return seen

    stored = await hashed(PASSWORD)
    assert await during(hashed(PASSWORD)) > 0
    assert await during(password_matches(stored, PASSWORD)) > 0
    assert await password_matches(stored, PASSWORD) is True
    assert await password_matches(stored, PASSWORD + "x") is False
    # And through the action: a sign-in's check goes to the thread too.
    await make_user(seeded, "ana@example.org")
    async with act(seeded) as ctx:
        signed_in = check_credentials(ctx, "ana@example.org", PASSWORD)
        assert await during(signed_in) > 0
