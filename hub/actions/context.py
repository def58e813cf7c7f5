"""The Context every action runs in: one transaction, the actor, and what follows the commit."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    ScalarSelect,
    String,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    literal,
    union_all,
)
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.actions import identity_generation
from hub.actions.errors import N_, Forbidden, NotSignedIn
from hub.actions.outbox_sweep import cleared_after_publishing
from hub.db import execute, utcnow
from hub.events import Event, discard
from hub.models import (
    AuditEntry,
    Committee,
    CommitteeMembership,
    EventOutbox,
    Network,
    NetworkMembership,
    User,
)
from hub.permissions import ANONYMOUS, Action, Principal, can
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.actions")

SYSTEM = Principal(is_admin=True)

# Every action loads its actor's memberships: one statement, built once.
_MEMBERSHIPS: CompoundSelect[str, int, str] = union_all(
    select(
        literal("n", String()).label("kind"),
        col(NetworkMembership.network_id).label("body_id"),
        col(NetworkMembership.role).label("role"),
    ).where(col(NetworkMembership.user_id) == bindparam("user_id")),
    select(
        literal("c", String()),
        col(CommitteeMembership.committee_id),
        col(CommitteeMembership.role),
    ).where(col(CommitteeMembership.user_id) == bindparam("user_id")),
)


def membership_columns() -> tuple[ScalarSelect[str], ScalarSelect[str]]:
    """The actor's network and committee roles as two text columns ("12:member,15:coordinator"),
    correlated to `users.id`, for the query that finds the user for a credential: the
    principal comes in the same round trip (`principal_from`)."""

    def roles(body_id: Any, role: Any, user_id: Any) -> ScalarSelect[str]:
        pair = cast(body_id, String()) + literal(":", String()) + role
        return (
            select(func.aggregate_strings(pair, ","))
            .where(user_id == User.id)
            .correlate(User)
            .scalar_subquery()
        )

    return (
        roles(
            col(NetworkMembership.network_id),
            col(NetworkMembership.role),
            col(NetworkMembership.user_id),
        ),
        roles(
            col(CommitteeMembership.committee_id),
            col(CommitteeMembership.role),
            col(CommitteeMembership.user_id),
        ),
    )


def _roles(text: str | None) -> dict[int, str]:
    pairs = (item.partition(":") for item in (text or "").split(",") if item)
    return {int(body_id): role for body_id, _, role in pairs}


def principal_from(user: User, networks: str | None, committees: str | None) -> Principal:
    """The principal from `membership_columns()`, as load_principal would load it."""
    if user.id is None or not user.is_active:
        return ANONYMOUS
    return Principal(
        user_id=user.id,
        is_admin=user.is_admin,
        networks=_roles(networks),
        committees=_roles(committees),
    )


@dataclass(frozen=True)
class KnownActor:
    """The user and principal a request's credential was checked against (one query, just
    before): its first act() starts from them instead of loading both again."""

    user: User
    principal: Principal


def _reusable(known: KnownActor | None, actor_id: int | None) -> bool:
    if known is None or actor_id is None or known.user.id != actor_id:
        return False
    state = inspect(known.user)
    return state.detached and not state.expired_attributes


@dataclass
class Context:
    runtime: Runtime
    db: AsyncSession
    actor: User | None = None
    ip: str = ""
    principal: Principal = ANONYMOUS
    events: list[Event] = field(default_factory=list)
    after_commit_jobs: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)
    after_commit_calls: list[Callable[[], None]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def enqueue(self, function: str, job_id: str, *args: Any) -> None:
        """Queue a job once the transaction commits (the database row is the durable intent)."""
        self.after_commit_jobs.append((function, job_id, args))

    def audit(self, action: str, obj: SQLModel | None = None, /, **data: Any) -> None:
        """An audit row, written in this transaction (at its end, with the others, in one
        INSERT: no ORM object, nothing reads it back before the commit)."""
        object_type = getattr(obj, "__tablename__", "") if obj is not None else ""
        object_id = str(getattr(obj, "id", "") or "") if obj is not None else ""
        self.audits.append(
            {
                "at": utcnow(),
                "actor_id": self.actor.id if self.actor else None,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "data": data,
                "ip": self.ip,
            }
        )

    def require_user(self) -> User:
        if self.actor is None:
            raise NotSignedIn(N_("Please sign in first."))
        return self.actor

    def require(self, action: Action, obj: Network | Committee | None = None) -> None:
        """Raise Forbidden (logged) unless the actor may do `action` on `obj`."""
        if not can(self.principal, action, obj):
            if not self.principal.signed_in:
                raise NotSignedIn(N_("Please sign in first."))
            log.warning(
                "refused",
                extra={"user_id": self.principal.user_id, "action": str(action), "ip": self.ip},
            )
            raise Forbidden(N_("You are not allowed to do that."))

    def may(self, action: Action, obj: Network | Committee | None = None) -> bool:
        return can(self.principal, action, obj)


async def load_principal(db: AsyncSession, user: User | None) -> Principal:
    if user is None or user.id is None or not user.is_active:
        return ANONYMOUS
    networks: dict[int, str] = {}
    committees: dict[int, str] = {}
    rows = await execute(db, _MEMBERSHIPS, {"user_id": user.id})
    for kind, body_id, role in rows.all():
        (networks if kind == "n" else committees)[body_id] = role
    return Principal(
        user_id=user.id, is_admin=user.is_admin, networks=networks, committees=committees
    )


async def _write_outbox(ctx: Context) -> None:
    """Record the events in the transaction of the change, so committing one commits both:
    one INSERT of all the rows (no ORM objects: nothing reads them back)."""
    ctx.events = [replace(e, uid=e.uid or secrets.token_hex(12)) for e in ctx.events]
    now = utcnow()
    rows = [
        {
            "uid": e.uid,
            "channel": e.channel,
            "type": e.type,
            "data": e.data,
            "audience": list(e.audience),
            "created_at": now,
        }
        for e in ctx.events
    ]
    await execute(ctx.db, _INSERT_OUTBOX, rows)


async def _after_commit(ctx: Context) -> None:
    if ctx.events and ctx.runtime.publisher is not discard:
        try:
            await ctx.runtime.publisher(list(ctx.events))
        except Exception:  # the outbox keeps them; the relay job publishes them later
            log.exception("publishing events failed")
        else:
            await cleared_after_publishing(ctx.runtime, [e.uid for e in ctx.events])
    for call in ctx.after_commit_calls:  # plain calls that start no I/O of their own here
        call()
    if ctx.after_commit_jobs and ctx.runtime.jobs is not None:
        for function, job_id, args in ctx.after_commit_jobs:
            try:
                await ctx.runtime.jobs.enqueue_job(function, *args, _job_id=job_id)
            except Exception:  # the reconciler re-enqueues from the database row
                log.exception("enqueueing %s failed", job_id)


@asynccontextmanager
async def act(
    runtime: Runtime,
    *,
    actor_id: int | None = None,
    ip: str = "",
    system: bool = False,
    known: KnownActor | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> AsyncIterator[Context]:
    """Run actions in one transaction as `actor_id`; commit on success, then publish and enqueue.

    `system` is for the operator's own tools (the CLI, workers): it may do what an admin may.
    `known`: the actor as the request's credential check just loaded them (the web layer's
    first action of a request); otherwise the user and their memberships are loaded here.
    `sessions`: where the session comes from, if not the runtime's shared pool (e.g.
    `runtime.live_sessions`).
    """
    async with (sessions or runtime.sessionmaker)() as db:
        principal: Principal | None = None
        if known is not None and _reusable(known, actor_id):
            db.add(known.user)  # attached to this session as it was loaded: no query
            actor: User | None = known.user
            principal = known.principal
        else:
            actor = await db.get(User, actor_id) if actor_id is not None else None
        if actor is not None and not actor.is_active:
            actor, principal = None, None
        ctx = Context(runtime=runtime, db=db, actor=actor, ip=ip)
        if system:
            ctx.principal = SYSTEM
        else:
            ctx.principal = principal or await load_principal(db, actor)
        try:
            yield ctx
            if ctx.audits:
                await execute(db, _INSERT_AUDIT, ctx.audits)
            if ctx.events:  # always: a process without a publisher leaves them to the relay
                await _write_outbox(ctx)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        # Who someone is changed (a token, a user, a role): every process's cached identities
        # go stale before anyone hears of the change (a socket told `session.revoked` checks).
        # The same for a bell's count kept with a session (a notification written or read).
        changed = identity_generation.changed_in(db.sync_session)
        if changed and not await identity_generation.announce(runtime.redis, changed):
            runtime.extras.pop("token_cache", None)
            runtime.extras.pop("session_cache", None)
    await _after_commit(ctx)


# Core statements on the tables, built once: an ORM bulk INSERT costs more than it writes.
_INSERT_OUTBOX = insert(EventOutbox.__table__)  # type: ignore[attr-defined]
_INSERT_AUDIT = insert(AuditEntry.__table__)  # type: ignore[attr-defined]


async def refresh_principal(ctx: Context) -> None:
    ctx.principal = await load_principal(ctx.db, ctx.actor)
