"""Session cookies answered from a process's memory keep the promise of a query per request: a
session signed out or ended, a user deactivated, a role taken away in one process shows on the
very next request in another; a session's expiry is checked against the kept row; the bell's
count follows every notification written or read; without Redis nothing is trusted from memory."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import event, text

from hub.actions import identity_generation
from hub.actions.accounts import (
    do_change_password,
    do_end_all_sessions,
    do_set_user_flags,
    do_sign_out,
)
from hub.actions.bodies import do_remove_network_member
from hub.actions.context import act
from hub.actions.credentials import resolve_session
from hub.actions.notifications import do_mark_read, notify_people
from hub.db import make_engine, make_sessionmaker, utcnow
from hub.models import User
from hub.models.notifications import NotificationKind
from hub.plumbing.runtime import Runtime
from hub.web.app import create_app
from tests.conftest import PASSWORD, make_user, sign_in

EMAIL = "clan@example.org"


class Counted:
    """Another process's runtime (its own engine, Redis client and memory), with the SQL
    statements its engine ran counted."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.statements = 0
        # the autocommit engine's statements too: its events are the engine's
        event.listen(runtime.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self.statements += 1


def _runtime(seeded: Runtime, redis_url: str) -> Runtime:
    engine = make_engine(seeded.settings.database_url)
    redis = Redis.from_url(redis_url, decode_responses=True)
    return Runtime(seeded.settings, engine, make_sessionmaker(engine), redis)


@pytest.fixture
async def other(seeded: Runtime) -> AsyncIterator[Counted]:
    runtime = _runtime(seeded, seeded.settings.redis_url or "")
    yield Counted(runtime)
    await runtime.close()


async def _session(seeded: Runtime, client: httpx.AsyncClient) -> tuple[int, str]:
    uid = await make_user(seeded, EMAIL, networks={"gis": "member"})
    await sign_in(client, EMAIL)
    return uid, client.cookies["hub_session"]


async def _notify(seeded: Runtime, uid: int, source_id: int) -> None:
    async with act(seeded, system=True) as ctx:
        made = await notify_people(
            ctx, NotificationKind.REPLY, [uid], source_id=source_id, target="t", url="/", title="x"
        )
    assert made == [uid]


async def test_a_session_is_answered_from_memory_while_nothing_changes(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    uid, token = await _session(seeded, client)
    first = await resolve_session(other.runtime, token, with_unread=True)
    assert first is not None and first[1].user_id == uid and first[1].unread == 0
    asked = other.statements
    assert asked >= 1
    for with_unread in (True, False):
        again = await resolve_session(other.runtime, token, with_unread=with_unread)
        assert again is not None and other.statements == asked  # no query
        assert again[0].id == first[0].id and again[0].user_id == uid
        assert (again[1].user_id, again[1].name, again[1].unread) == (uid, first[1].name, 0)
        assert again[1].known is not None and first[1].known is not None
        assert again[1].known.principal == first[1].known.principal
        assert again[1].known.user is not first[1].known.user  # each request its own
    # an open socket's re-check asks the database all the same
    assert await resolve_session(other.runtime, token, fresh=True) is not None
    assert other.statements > asked
    assert await resolve_session(other.runtime, "not-a-token") is None


@pytest.mark.parametrize(
    "change", ["signed out", "all ended", "password changed", "deactivated", "role taken away"]
)
async def test_a_session_change_in_one_process_shows_on_the_next_request_in_another(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted, change: str
) -> None:
    uid, token = await _session(seeded, client)
    before = await resolve_session(other.runtime, token)
    assert before is not None and before[1].known is not None
    assert before[1].known.principal.networks
    assert await resolve_session(other.runtime, token) is not None
    counted = other.statements
    if change == "signed out":
        async with act(seeded, actor_id=uid) as ctx:
            await do_sign_out(ctx, token=token)
    elif change == "password changed":
        async with act(seeded, actor_id=uid) as ctx:
            await do_change_password(
                ctx, current=PASSWORD, new="another good password", keep_token=None
            )
    else:
        async with act(seeded, system=True) as ctx:
            if change == "all ended":
                user = await ctx.db.get(User, uid)
                assert user is not None
                await do_end_all_sessions(ctx, user)
            elif change == "deactivated":
                await do_set_user_flags(ctx, uid, is_active=False)
            else:
                await do_remove_network_member(ctx, "gis", uid)
    after = await resolve_session(other.runtime, token)
    assert other.statements > counted  # asked the database again
    if change == "role taken away":
        assert after is not None and after[1].known is not None
        assert after[1].known.principal.networks == {}
    else:
        assert after is None


async def test_a_kept_session_ends_when_its_row_says_so(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    """The expiry is checked against the kept row at each request, not only by the query."""
    uid, token = await _session(seeded, client)
    ends = utcnow() + dt.timedelta(seconds=30)
    async with seeded.sessionmaker() as db:
        await db.exec(  # type: ignore[call-overload]
            text("UPDATE auth_sessions SET expires_at = :at WHERE user_id = :u"),
            params={"at": ends, "u": uid},
        )
        await db.commit()
    assert await resolve_session(other.runtime, token) is not None
    counted = other.statements
    assert await resolve_session(other.runtime, token, now=ends - dt.timedelta(seconds=1))
    assert other.statements == counted  # still from memory
    assert await resolve_session(other.runtime, token, now=ends) is None
    assert await resolve_session(other.runtime, token) is None  # and the row is gone
    assert await resolve_session(seeded, token) is None


async def test_the_bell_follows_every_notification_written_or_read(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    uid, token = await _session(seeded, client)

    async def unread() -> int:
        found = await resolve_session(other.runtime, token, with_unread=True)
        assert found is not None
        return found[1].unread

    assert await unread() == 0
    counted = other.statements
    assert await unread() == 0 and other.statements == counted
    await _notify(seeded, uid, 1)
    assert await unread() == 1
    assert other.statements == counted + 1  # the count alone, in a query of its own
    assert await unread() == 1 and other.statements == counted + 1
    await _notify(seeded, uid, 2)
    assert await unread() == 2
    async with act(seeded, actor_id=uid) as ctx:
        assert await do_mark_read(ctx, every=True) == 2
    assert await unread() == 0


async def test_a_page_in_another_process_shows_the_sign_out_and_the_bell(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    uid, _token = await _session(seeded, client)
    app = create_app(other.runtime.settings, runtime=other.runtime)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as there:
        there.cookies.update(client.cookies)
        page = await there.get("/networks")
        assert page.status_code == 200 and _bell(page.text) == "hidden>0"
        await _notify(seeded, uid, 1)
        page = await there.get("/networks")
        assert _bell(page.text) == ">1"
        signed_out = await client.post("/signout", data={"csrf_token": _csrf(page.text)})
        assert signed_out.status_code == 303
        page = await there.get("/networks")
        assert page.status_code == 200 and "data-bell-count" not in page.text


def _bell(html: str) -> str:
    found = re.search(r"data-bell-count( hidden>[0-9]+|>[0-9]+)<", html)
    assert found, "no bell on the page"
    return found.group(1).strip()


def _csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def test_without_redis_nothing_is_answered_from_memory(
    seeded: Runtime, client: httpx.AsyncClient
) -> None:
    uid, token = await _session(seeded, client)
    runtime = _runtime(seeded, "redis://127.0.0.1:1/0")
    counted = Counted(runtime)
    try:
        for expected in (1, 2):
            found = await resolve_session(runtime, token, with_unread=True)
            assert found is not None and found[1].user_id == uid
            assert counted.statements >= expected
        asked = counted.statements
        assert await resolve_session(runtime, token) is not None
        assert counted.statements > asked
    finally:
        await runtime.close()


async def test_a_session_ended_behind_the_hubs_back_is_seen_after_a_new_generation(
    seeded: Runtime, client: httpx.AsyncClient, other: Counted
) -> None:
    uid, token = await _session(seeded, client)
    assert await resolve_session(other.runtime, token) is not None
    async with seeded.sessionmaker() as db:
        await db.exec(  # type: ignore[call-overload]
            text("DELETE FROM auth_sessions WHERE user_id = :u"), params={"u": uid}
        )
        await db.commit()
    assert await resolve_session(other.runtime, token, fresh=True) is None
    await other.runtime.redis.delete(identity_generation.KEY)  # what docs/security.md says
    assert await resolve_session(other.runtime, token) is None
