"""One value in Redis that changes whenever who someone is may have changed: a user row, an API
token, a network or committee membership. Each process keeps the identities its API tokens
resolved to (hub.actions.credentials) only while this value stays the same, so a revoked
token, a deactivated user or a role taken away is seen by every process on its next request.

What changed is noticed where every write passes, not by each action remembering to say so:
the ORM's flush (objects of those tables new, changed or deleted) and every INSERT, UPDATE or
DELETE statement a session runs on those tables. act() calls `announce` after its commit and
before it publishes the change's events, so a socket told `session.revoked` re-checks against
the new value.
"""

from __future__ import annotations

import logging
import secrets
from itertools import chain
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

log = logging.getLogger("hub.actions")

KEY = "hub:identity:generation"
IDENTITY_TABLES = frozenset({"users", "api_tokens", "network_memberships", "committee_memberships"})
_CHANGED = "hub.identity_changed"


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if getattr(obj, "__tablename__", None) in IDENTITY_TABLES:
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in IDENTITY_TABLES:
            state.session.info[_CHANGED] = True


def changed_in(session: Session) -> bool:
    """Whether the session wrote to an identity table (and forget it: asked once per commit)."""
    return bool(session.info.pop(_CHANGED, False))


_warned = False


async def announce(redis: Redis) -> bool:
    """A new generation: every process's cached identities are stale from now on. False when
    Redis could not be told (then caches elsewhere end within a minute, when their token's
    `last_used_at` is due again; the caller drops its own)."""
    global _warned
    try:
        await redis.set(KEY, secrets.token_hex(8))
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
