"""Credentials resolved: a session cookie's or API token's row, its user and their roles, in
one query per request (the read every signed-in request makes before its action), with the
write that keeps a session alive at most every minute. Issuing and revoking them is
hub.actions.accounts's.

An API token's or session cookie's answer is kept in the process (`_Memory`) for as long as
nothing about who its user is has changed (hub.actions.identity_generation: one Redis round
trip per request instead of a query) and at most until its last use is due to be written
again; a session's expiry and idle time are checked against the kept row at every request. A
page's bell count is kept with its session while no notification was written or read
(the notices generation, read in the same round trip); otherwise it is counted in a query of
its own.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, delete, func, literal, update
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.actions import identity_generation
from hub.actions.context import KnownActor, membership_columns, principal_from
from hub.auth import token_hash
from hub.db import make_sessionmaker, utcnow
from hub.models import ApiToken, AuthSession, Notification, User
from hub.permissions import Principal
from hub.plumbing.runtime import Runtime
from hub.reads.notifications import unread_of

_TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Identity:
    """Who a session cookie or API token stands for: what every request needs of the user."""

    user_id: int
    name: str
    is_admin: bool
    language: str
    unread: int = 0  # unread notifications, when asked for (the bell of a page)
    # The user row and principal found by the same query, for the request's first act().
    known: KnownActor | None = None


# The statements every signed-in request runs, built once (building one costs about as much
# CPU as running it): the credential's row, its user, and the user's roles.
_NETWORKS, _COMMITTEES = membership_columns()
_UNREAD = (
    select(func.count())
    .where(col(Notification.user_id) == User.id, col(Notification.read_at).is_(None))
    .correlate(User)
    .scalar_subquery()
)
_SESSION_LOOKUP = {
    with_unread: select_columns(
        AuthSession, User, _UNREAD if with_unread else literal(0), _NETWORKS, _COMMITTEES
    )
    .join(User, col(User.id) == AuthSession.user_id)
    .where(col(AuthSession.token_hash) == bindparam("token_hash"))
    for with_unread in (False, True)
}
_TOKEN_LOOKUP = (
    select_columns(col(ApiToken.id), col(ApiToken.last_used_at), User, _NETWORKS, _COMMITTEES)
    .join(User, col(User.id) == ApiToken.user_id)
    .where(
        col(ApiToken.token_hash) == bindparam("token_hash"),
        col(ApiToken.revoked_at).is_(None),
        col(User.is_active).is_(True),
    )
)


def _credentials_db(runtime: Runtime) -> AsyncSession:
    """A session for the credential lookups below. On PostgreSQL it runs without a transaction
    (autocommit: each of their statements stands alone), so a lookup is one round trip, not
    three (BEGIN, the SELECT, ROLLBACK)."""
    made: async_sessionmaker[AsyncSession] | None = runtime.extras.get("credentials_db")
    if made is None:
        made = runtime.extras["credentials_db"] = make_sessionmaker(runtime.autocommit_engine)
    return made()


def _session_alive(session: dict[str, Any], now: dt.datetime, idle: dt.timedelta) -> bool:
    return bool(session["expires_at"] > now and session["last_seen_at"] + idle > now)


async def resolve_session(
    runtime: Runtime,
    token: str | None,
    *,
    with_unread: bool = False,
    fresh: bool = False,
    now: dt.datetime | None = None,
) -> tuple[AuthSession, Identity] | None:
    """The live session for a cookie token and its user, or None (unknown, expired, idle too
    long, user off). From this process's memory while no identity changed (the bell's count,
    with `with_unread`, while no notification changed, else one small query); otherwise one
    query (the count in it), and a write at most every minute. `fresh`: from the database in
    any case (an open socket's re-check). `now`: the clock, for tests."""
    if not token or len(token) > 100:
        return None
    key = token_hash(token)
    # Read before the query: a change committed after it makes what the query finds stale.
    generation, notices = await identity_generation.current_pair(runtime.redis)
    now = now or utcnow()
    idle = dt.timedelta(minutes=runtime.settings.session_idle_minutes)
    cache = session_cache(runtime)
    kept = None if fresh else cache.get(key, generation, now)
    row_kept = kept.session if kept is not None else None
    if kept is not None and row_kept is not None and _session_alive(row_kept, now, idle):
        unread = kept.unread
        if with_unread and (notices is None or kept.notices != notices):
            unread = await unread_of(runtime, kept.user["id"])
            cache.put(key, replace(kept, notices=notices, unread=unread))
        identity = _identity(
            _detached_user(kept.user), kept.principal, unread if with_unread else 0
        )
        return AuthSession(**row_kept), identity
    cache.drop(key)  # expired or idle: the query below ends it (and finds it no more)
    async with _credentials_db(runtime) as db:
        row = await db.exec(
            _SESSION_LOOKUP[with_unread],
            params={"token_hash": key},  # type: ignore[call-overload]
        )
        found = row.first()
        if found is None:
            return None
        session, user, unread_count, in_networks, in_committees = found
        if not user.is_active or session.expires_at <= now or session.last_seen_at + idle <= now:
            await db.exec(delete(AuthSession).where(col(AuthSession.id) == session.id))
            await db.commit()
            return None
        last_seen = session.last_seen_at
        if now - last_seen >= _TOUCH_EVERY:
            await db.exec(
                update(AuthSession)
                .where(col(AuthSession.id) == session.id)
                .values(last_seen_at=now)
            )
            await db.commit()
            last_seen = now
        principal = principal_from(user, in_networks, in_committees)
        unread = int(unread_count or 0)
        if generation is not None:
            cache.put(
                key,
                _Kept(
                    generation,
                    last_seen,
                    _columns(user, _USER_COLUMNS),
                    principal,
                    {**_columns(session, _SESSION_COLUMNS), "last_seen_at": last_seen},
                    notices if with_unread else None,
                    unread,
                ),
            )
        return session, _identity(user, principal, unread)


@dataclass(frozen=True)
class _Kept:
    """What a token or session resolved to, and under which identity generation."""

    generation: str
    last_used: dt.datetime
    user: dict[str, Any]  # the user row's columns: a fresh User per request is made of them
    principal: Principal
    session: dict[str, Any] | None = None  # a session's row (its expiry checked each time)
    notices: str | None = None  # the notices generation `unread` was counted under
    unread: int = 0


class _Memory:
    """The identities API tokens or sessions resolved to in this process, by token hash; the
    least recently used go first beyond `size`."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self.kept: OrderedDict[str, _Kept] = OrderedDict()

    def get(self, key: str, generation: str | None, now: dt.datetime) -> _Kept | None:
        kept = self.kept.get(key)
        if kept is None or generation is None:
            return None
        if kept.generation != generation or now - kept.last_used >= _TOUCH_EVERY:
            del self.kept[key]
            return None
        self.kept.move_to_end(key)
        return kept

    def drop(self, key: str) -> None:
        self.kept.pop(key, None)

    def put(self, key: str, kept: _Kept) -> None:
        self.kept[key] = kept
        self.kept.move_to_end(key)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)


_USER_COLUMNS = tuple(column.key for column in User.__table__.columns)  # type: ignore[attr-defined]
_SESSION_COLUMNS = tuple(column.key for column in AuthSession.__table__.columns)  # type: ignore[attr-defined]


def _columns(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _detached_user(columns: dict[str, Any]) -> User:
    """A User as if loaded by a session now closed: act() attaches it without a query. Each
    request gets its own: one object cannot be in two sessions at once."""
    user = User(**columns)
    make_transient_to_detached(user)
    return user


def _memory(runtime: Runtime, name: str) -> _Memory:
    cache: _Memory | None = runtime.extras.get(name)
    if cache is None:
        cache = runtime.extras[name] = _Memory()
    return cache


def token_cache(runtime: Runtime) -> _Memory:
    return _memory(runtime, "token_cache")


def session_cache(runtime: Runtime) -> _Memory:
    return _memory(runtime, "session_cache")


def _identity(user: User, principal: Principal, unread: int = 0) -> Identity:
    known = KnownActor(user, principal)
    return Identity(user.id or 0, user.name, user.is_admin, user.language, unread, known)


async def resolve_api_token(
    runtime: Runtime, token: str | None, *, fresh: bool = False
) -> Identity | None:
    """The user an API token stands for, or None. From this process's cache while no identity
    changed (one round trip to Redis), else one query (the user's memberships in it) and a
    write at most every minute. `fresh`: from the database in any case (an open socket's
    re-check, which must also see a token revoked behind the hub's back)."""
    if not token or len(token) > 100:
        return None
    key = token_hash(token)
    # Read before the query: a change committed after it makes what the query finds stale.
    generation = await identity_generation.current(runtime.redis)
    now = utcnow()
    cache = token_cache(runtime)
    kept = None if fresh else cache.get(key, generation, now)
    if kept is not None:
        return _identity(_detached_user(kept.user), kept.principal)
    async with _credentials_db(runtime) as db:
        row = await db.exec(
            _TOKEN_LOOKUP,
            params={"token_hash": key},  # type: ignore[call-overload]
        )
        found = row.first()
        if found is None:
            return None
        token_id, last_used, user, in_networks, in_committees = found
        if last_used is None or now - last_used >= _TOUCH_EVERY:
            await db.exec(
                update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
            )
            await db.commit()
            last_used = now
        principal = principal_from(user, in_networks, in_committees)
        if generation is not None:
            cache.put(key, _Kept(generation, last_used, _columns(user, _USER_COLUMNS), principal))
        return _identity(user, principal)
