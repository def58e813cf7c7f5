"""The request floor's shortcuts keep their promises: a pooled PostgreSQL connection that was
dropped is replaced, the actor a credential check loads is the one act() would load, and a role
taken away shows on the very next request."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from hub.actions.bodies import do_remove_network_member
from hub.actions.context import act, load_principal
from hub.actions.credentials import resolve_api_token, resolve_session
from hub.db import make_engine, make_sessionmaker
from hub.models import User
from hub.plumbing.runtime import Runtime
from tests.conftest import POSTGRES_URL, api_token, make_user, sign_in


async def _backend_pid(engine: AsyncEngine) -> int:
    async with make_sessionmaker(engine)() as db:
        return int((await db.exec(text("SELECT pg_backend_pid()"))).scalar_one())  # type: ignore[call-overload]


async def _terminate(url: str, pid: int) -> None:
    other = make_engine(url)
    async with other.begin() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await other.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
async def test_an_idle_dropped_connection_is_replaced_before_use(runtime: Runtime) -> None:
    """What drops connections (a restart, an idle timeout) finds them idle: the checkout of a
    connection idle past the limit pings it and, finding it dead, hands out a new one."""
    url = runtime.settings.database_url
    if not url.startswith("postgresql"):
        pytest.skip("the ping is PostgreSQL's")
    engine = make_engine(url, ping_after_idle=0.0, pool_size=1, max_overflow=0)
    try:
        first = await _backend_pid(engine)
        await _terminate(url, first)
        second = await _backend_pid(engine)  # no error: the dead one was replaced
        assert second != first
    finally:
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
async def test_a_connection_dropped_in_use_fails_one_request_then_recovers(
    runtime: Runtime,
) -> None:
    """Without a ping (just used), a dead connection fails the statement that finds it; the
    pool then discards every older connection, and the next request gets a new one."""
    url = runtime.settings.database_url
    if not url.startswith("postgresql"):
        pytest.skip("the ping is PostgreSQL's")
    engine = make_engine(url, ping_after_idle=3600.0, pool_size=2, max_overflow=0)
    try:
        first = await _backend_pid(engine)
        await _terminate(url, first)
        with pytest.raises(DBAPIError):
            await _backend_pid(engine)
        second = await _backend_pid(engine)
        assert second != first
    finally:
        await engine.dispose()


async def test_the_credential_check_loads_the_principal_act_would(
    seeded: Runtime, client: httpx.AsyncClient
) -> None:
    runtime = seeded
    uid = await make_user(
        runtime,
        "clan@example.org",
        networks={"gis": "coordinator", "eko-poverenici": "member"},
        committees={"finansije": "member"},
    )
    headers = await api_token(client, "clan@example.org")
    identity = await resolve_api_token(runtime, headers["Authorization"][7:])
    assert identity is not None and identity.known is not None
    async with runtime.sessionmaker() as db:
        user = await db.get(User, uid)
        expected = await load_principal(db, user)
    assert identity.known.principal == expected
    # the memberships came with the token's row
    assert set(identity.known.principal.networks.values()) == {"coordinator", "member"}
    assert list(identity.known.principal.committees.values()) == ["member"]
    await sign_in(client, "clan@example.org")
    resolved = await resolve_session(runtime, client.cookies["hub_session"])
    assert resolved is not None and resolved[1].known is not None
    assert resolved[1].known.principal == expected
    async with act(runtime, actor_id=uid, known=identity.known) as ctx:
        assert ctx.actor is identity.known.user
        assert ctx.principal == expected
        ctx.actor.title = "ing."  # attached to the action's session: a change is written
    async with runtime.sessionmaker() as db:
        assert (await db.get(User, uid)).title == "ing."  # type: ignore[union-attr]


async def test_a_role_taken_away_shows_on_the_next_request(
    seeded: Runtime, client: httpx.AsyncClient
) -> None:
    runtime = seeded
    uid = await make_user(runtime, "clan@example.org", networks={"gis": "member"})
    headers = await api_token(client, "clan@example.org")
    me = await client.get("/api/v1/me", headers=headers)
    assert [n["slug"] for n in me.json()["networks"]] == ["gis"]
    async with act(runtime, system=True) as ctx:
        await do_remove_network_member(ctx, "gis", uid)
    me = await client.get("/api/v1/me", headers=headers)
    assert me.json()["networks"] == []


async def test_a_credential_lookup_leaves_no_autocommit_behind(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    """The lookups run without a transaction on PostgreSQL; the pooled connection they used
    must go back transactional, or the next action's writes would not roll back."""
    uid = await make_user(runtime, "clan@example.org")
    token = (await api_token(client, "clan@example.org"))["Authorization"][7:]
    engine = make_engine(runtime.settings.database_url, pool_size=1, max_overflow=0)
    one = Runtime(runtime.settings, engine, make_sessionmaker(engine), runtime.redis)
    try:
        assert await resolve_api_token(one, token) is not None  # the pool's one connection
        with pytest.raises(RuntimeError):
            async with act(one, system=True) as ctx:
                await ctx.db.exec(update(User).where(col(User.id) == uid).values(title="x"))  # type: ignore[call-overload]
                raise RuntimeError("rolled back")
    finally:
        await engine.dispose()
    async with runtime.sessionmaker() as db:
        assert (await db.get(User, uid)).title != "x"  # type: ignore[union-attr]
