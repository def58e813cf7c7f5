"""Notifications: written by the `notify_*` of the action that causes them, in its transaction
(N1), only for people who may read the thing now; told live on each person's `user:<id>`
channel; listed and marked read by their person only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from hub import channels
from hub.actions.context import Context
from hub.db import utcnow
from hub.events import Event
from hub.models import Network, User
from hub.models.notifications import Notification, NotificationKind
from hub.reads.mentions import active_readers
from hub.reads.notifications import unread_count, unread_counts
from hub.upsert import insert_ignore_many

Kind = NotificationKind


async def notify_people(
    ctx: Context,
    kind: Kind,
    user_ids: Iterable[int | None],
    *,
    source_id: int,
    target: str,
    url: str,
    title: str,
    network: Network | None = None,
) -> list[int]:
    """Notify `user_ids` (never the actor, only active people who may read `network` now) once
    per (person, kind, source); the people newly notified."""
    actor_id = ctx.actor.id if ctx.actor else None
    wanted = {u for u in user_ids if u is not None and u != actor_id}
    if not wanted:
        return []
    readers = await active_readers(ctx, network, wanted)
    common: dict[str, Any] = {
        "kind": str(kind),
        "source_id": source_id,
        "target": target,
        "url": url,
        "title": title[:300],
        "actor_id": actor_id,
        "network_id": network.id if network else None,
        "created_at": utcnow(),
    }
    rows = [{"user_id": user_id, **common} for user_id in readers]
    key = ["user_id", "kind", "source_id"]
    made = sorted(
        int(u) for u in await insert_ignore_many(ctx.db, Notification, rows, key, "user_id")
    )
    counts = await unread_counts(ctx, made)
    for user_id in made:
        ctx.emit(notify_new(user_id, kind, title, url, counts.get(user_id, 0)))
    return made


def notify_new(user_id: int, kind: Kind, title: str, url: str, unread: int) -> Event:
    """The bell of its one reader rings (even if they may no longer read where it happened)."""
    data = {"kind": str(kind), "title": title, "url": url, "unread": unread}
    return Event(channels.user(user_id), "notification", data, audience=(user_id,))


async def _mark(ctx: Context, *conditions: Any) -> int:
    user = ctx.require_user()
    result = await ctx.db.exec(
        update(Notification)
        .where(
            col(Notification.user_id) == user.id, col(Notification.read_at).is_(None), *conditions
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount or 0)
    if count:
        unread = await unread_count(ctx)
        ctx.emit(notify_read(user, unread))
    return count


def notify_read(user: User, unread: int) -> Event:
    return Event(channels.user(user.id), "notification.read", {"unread": unread})


async def do_mark_read(ctx: Context, *, ids: list[int] | None = None, every: bool = False) -> int:
    """Mark the actor's own notifications read: `ids` (others' ids change nothing) or all."""
    if every:
        return await _mark(ctx)
    if not ids:
        return 0
    return await _mark(ctx, col(Notification.id).in_(ids))


async def mark_target_read(ctx: Context, target: str) -> int:
    """The actor read `target` (a thread, a proposal, an initiative): its notifications are read.
    Nothing for anonymous readers."""
    if ctx.actor is None:
        return 0
    return await _mark(ctx, col(Notification.target) == target)
