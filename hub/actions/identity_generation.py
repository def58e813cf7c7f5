"""One value in Redis that changes whenever who someone is may have changed: a user row, an API
token, a browser session, a network or committee membership. Each process keeps the identities
its API tokens and session cookies resolved to (hub.actions.credentials) only while this value
stays the same, so a revoked token, a session signed out or ended, a deactivated user or a role
taken away is seen by every process on its next request. A second value (NOTICES_KEY) changes
whenever a notification is written or marked read: a session's bell count is kept only while it
stays the same.

What changed is noticed where every write passes, not by each action remembering to say so:
the ORM's flush (objects of those tables new, changed or deleted) and every INSERT, UPDATE or
DELETE statement a session runs on those tables. act() calls `announce` after its commit and
before it publishes the change's events, so a socket told `session.revoked` re-checks against
the new value.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from itertools import chain
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger("hub.actions")

KEY = "hub:identity:generation"
NOTICES_KEY = "hub:notices:generation"
IDENTITY_TABLES = frozenset(
    {"users", "api_tokens", "auth_sessions", "network_memberships", "committee_memberships"}
)
NOTICE_TABLES = frozenset({"notifications"})
_KEY_OF = {**dict.fromkeys(IDENTITY_TABLES, KEY), **dict.fromkeys(NOTICE_TABLES, NOTICES_KEY)}
_CHANGED = "hub.generations_changed"


def _changed(session: Session, table: str | None) -> None:
    key = _KEY_OF.get(table or "")
    if key is not None:
        session.info.setdefault(_CHANGED, set()).add(key)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        _changed(session, getattr(obj, "__tablename__", None))


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _changed(state.session, getattr(table, "name", None))


def changed_in(session: Session) -> frozenset[str]:
    """The generations the session's writes made stale (KEY, NOTICES_KEY), and forget them:
    asked once per commit."""
    return frozenset(session.info.pop(_CHANGED, ()))


_warned = False


async def announce(redis: Redis, keys: Iterable[str] = (KEY,)) -> bool:
    """New generations of `keys`: what every process kept under them is stale from now on.
    False when Redis could not be told (then caches elsewhere end within a minute, when their
    credential's last use is due to be written again; the caller drops its own)."""
    global _warned
    try:
        await redis.mset({key: secrets.token_hex(8) for key in keys})
    except Exception:  # the operator's tools run without Redis when no hub serve is up
        if not _warned:
            _warned = True
            log.warning("could not announce an identity change in Redis", exc_info=True)
        return False
    return True


async def current(redis: Redis) -> str | None:
    """The generation now (one round trip), made if Redis has none; None if Redis is away (then
    nothing cached may be trusted)."""
    try:
        value: str | None = await redis.get(KEY)
        if value is None:
            await redis.set(KEY, secrets.token_hex(8), nx=True)
            value = await redis.get(KEY)
    except Exception:
        return None
    return value


async def current_pair(redis: Redis) -> tuple[str | None, str | None]:
    """The identity and notices generations now, in one round trip (made if Redis has none);
    (None, None) if Redis is away."""
    try:
        identity, notices = await redis.mget(KEY, NOTICES_KEY)
        if identity is None or notices is None:
            for key in (KEY, NOTICES_KEY):
                await redis.set(key, secrets.token_hex(8), nx=True)
            identity, notices = await redis.mget(KEY, NOTICES_KEY)
    except Exception:
        return None, None
    return identity, notices
