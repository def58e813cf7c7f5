"""API tokens answered from a process's memory keep the promise of a query per request: a token
revoked, a user deactivated or renamed, a role taken away in one process shows on the very
next request in another; without Redis nothing is trusted from memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import event, text
from sqlmodel import select

from hub.actions import identity_generation
from hub.actions.accounts import do_revoke_api_tokens, do_set_user_flags, do_update_user
from hub.actions.bodies import do_remove_network_member, do_set_committee_member
from hub.actions.context import Context, act
from hub.actions.credentials import Identity, resolve_api_token
from hub.db import make_engine, make_sessionmaker
from hub.models import User
from hub.plumbing.runtime import Runtime
from tests.conftest import api_token, make_user

EMAIL = "clan@example.org"


class Counted:
    """Another process's runtime (its own engine, Redis client and memory), with the SQL
    statements its engine ran counted."""

    def __init__(self, runtime: Runtime, redis: Redis) -> None:
        self.runtime = runtime
        self.redis = redis
        self.statements = 0
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self.statements += 1


@pytest.fixture
async def other(seeded: Runtime) -> AsyncIterator[Counted]:
    settings = seeded.settings
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
    runtime = Runtime(settings, engine, make_sessionmaker(engine), redis)
    yield Counted(runtime, redis)
    await runtime.close()


async def _token(seeded: Runtime, client: httpx.AsyncClient) -> tuple[int, str]:
    uid = await make_user(seeded, EMAIL, networks={"gis": "member"})
    return uid, (await api_token(client, EMAIL))["Authorization"][7:]


async def _as_admin(rt: Runtime, change: Callable[[Context], Awaitable[object]]) -> None:
    async with act(rt, system=True) as ctx:
        await change(ctx)


async def _user(ctx: Context, uid: int) -> User:
    return (await ctx.db.exec(select(User).where(User.id == uid))).one()


async def test_a_token_is_answered_from_memory_while_nothing_changes(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    uid, token = await _token(seeded, client)
    first = await resolve_api_token(other.runtime, token)
    assert first is not None and first.user_id == uid
    asked = other.statements
    assert asked >= 1  # the token's row (and its last use written)
    again = await resolve_api_token(other.runtime, token)
    assert again is not None and other.statements == asked  # no query
    assert (again.user_id, again.name, again.language) == (first.user_id, first.name, "sr-Latn")
    assert first.known is not None and again.known is not None
    assert again.known.principal == first.known.principal
    # Each request its own user object: one object cannot be in two sessions at once.
    assert again.known.user is not first.known.user
    async with act(other.runtime, actor_id=uid, known=again.known) as ctx:
        assert ctx.actor is again.known.user and ctx.principal == first.known.principal
        ctx.actor.title = "ing."  # attached as loaded: a change is written
    async with seeded.sessionmaker() as db:
        assert (await db.get(User, uid)).title == "ing."  # type: ignore[union-attr]
    assert await resolve_api_token(other.runtime, "not-a-token") is None


def _expect(found: Identity | None, uid: int) -> dict[str, Any]:
    assert found is not None and found.known is not None
    return {
        "name": found.name,
        "admin": found.is_admin,
        "networks": sorted(found.known.principal.networks),
        "committees": sorted(found.known.principal.committees),
    }


@pytest.mark.parametrize(
    "change",
    ["revoked", "deactivated", "renamed", "role taken away", "role given", "made admin"],
)
async def test_a_change_in_one_process_shows_on_the_next_request_in_another(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted, change: str
) -> None:
    uid, token = await _token(seeded, client)
    before = _expect(await resolve_api_token(other.runtime, token), uid)
    assert before["networks"] and not before["committees"] and not before["admin"]
    assert await resolve_api_token(other.runtime, token) is not None
    counted = other.statements

    async def run(ctx: Context) -> None:
        user = await _user(ctx, uid)
        if change == "revoked":
            await do_revoke_api_tokens(ctx, user)
        elif change == "deactivated":
            await do_set_user_flags(ctx, uid, is_active=False)
        elif change == "renamed":
            await do_update_user(ctx, uid, name="Novo Ime", municipality=None, title="")
        elif change == "role taken away":
            await do_remove_network_member(ctx, "gis", uid)
        elif change == "role given":
            await do_set_committee_member(ctx, "finansije", uid, role="member")
        else:
            await do_set_user_flags(ctx, uid, is_admin=True)

    await _as_admin(seeded, run)  # in "the first process"
    found = await resolve_api_token(other.runtime, token)
    assert other.statements == counted + 1  # asked the database again
    if change in ("revoked", "deactivated"):
        assert found is None
        return
    after = _expect(found, uid)
    expected = dict(before)
    if change == "renamed":
        expected["name"] = "Novo Ime"
    elif change == "role taken away":
        expected["networks"] = []
    elif change == "role given":
        expected["committees"] = after["committees"]
        assert len(after["committees"]) == 1
    else:
        expected["admin"] = True
    assert after == expected


async def test_without_redis_every_request_asks_the_database(
    seeded: Runtime, client: httpx.AsyncClient
) -> None:
    uid, token = await _token(seeded, client)
    settings = seeded.settings
    engine = make_engine(settings.database_url)
    away = Redis.from_url("redis://127.0.0.1:1/0", decode_responses=True)  # nothing listens
    runtime = Runtime(settings, engine, make_sessionmaker(engine), away)
    counted = Counted(runtime, away)
    try:
        for _ in range(3):
            asked = counted.statements
            found = await resolve_api_token(runtime, token)
            assert found is not None and found.user_id == uid
            assert counted.statements > asked
    finally:
        await runtime.close()


async def test_an_identity_change_that_redis_did_not_hear_drops_the_own_memory(
    seeded: Runtime, client: httpx.AsyncClient
) -> None:
    """If the announcement fails, the process that made the change forgets what it kept (other
    processes' memories end when the token's `last_used_at` is due, within a minute)."""
    uid, token = await _token(seeded, client)
    assert await resolve_api_token(seeded, token) is not None
    assert seeded.extras["token_cache"].kept
    real = seeded.redis
    seeded.redis = Redis.from_url("redis://127.0.0.1:1/0", decode_responses=True)
    try:
        await _as_admin(seeded, lambda ctx: do_remove_network_member(ctx, "gis", uid))
    finally:
        await seeded.redis.aclose()
        seeded.redis = real
    assert "token_cache" not in seeded.extras
    found = await resolve_api_token(seeded, token)
    assert found is not None and found.known is not None
    assert found.known.principal.networks == {}


async def test_a_change_behind_the_hubs_back_is_seen_by_sockets_and_after_a_new_generation(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    """A token revoked by hand in SQL announces nothing: an open socket's re-check asks the
    database all the same (`fresh`), requests do once the generation is renewed by hand."""
    uid, token = await _token(seeded, client)
    assert await resolve_api_token(other.runtime, token) is not None
    async with seeded.sessionmaker() as db:
        await db.exec(  # type: ignore[call-overload]
            text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = :u"),
            params={"u": uid},
        )
        await db.commit()
    assert await resolve_api_token(other.runtime, token, fresh=True) is None
    await other.redis.delete(identity_generation.KEY)  # what docs/security.md tells operators
    assert await resolve_api_token(other.runtime, token) is None
