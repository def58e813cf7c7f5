"""Notifications, read: the actor's list, the unread counts (the bell), the public shape, and
what each kind says. Writing them is the `notify_*` of the action that causes them
(hub.actions.notifications).
"""

from __future__ import annotations

from sqlalchemy import bindparam, func
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_
from hub.db import execute
from hub.models import Network, NetworkMembership
from hub.models.notifications import Notification
from hub.plumbing.runtime import Runtime

PAGE = 30


# What each kind says, on the notifications page and in mail.
KIND_TEXT = {
    "mentioned": N_("mentioned you"),
    "reply": N_("replied to you"),
    "proposal_submitted": N_("new proposal in your network"),
    "proposal_reviewed": N_("your proposal was reviewed"),
    "coauthor_invited": N_("invited you to co-author"),
    "vote_opened": N_("a vote opened"),
    "vote_closing": N_("a vote closes within a day and you have not voted"),
    "vote_result": N_("a vote's result"),
    "initiative_delivered": N_("an initiative reached your committee"),
    "initiative_decision": N_("a decision on an initiative"),
    "initiative_follow_up": N_("a follow-up on an initiative"),
    "compile_failed": N_("an initiative could not be compiled"),
}


async def members_of(ctx: Context, network: Network, role: str | None = None) -> list[int]:
    """The network's members (of `role` only, if given)."""
    query = select(NetworkMembership.user_id).where(NetworkMembership.network_id == network.id)
    if role is not None:
        query = query.where(NetworkMembership.role == role)
    return [int(u) for u in (await ctx.db.exec(query)).all()]


async def unread_counts(ctx: Context, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = await execute(ctx.db, _UNREAD_COUNTS, {"ids": user_ids})
    return {int(u): int(n) for u, n in rows.all()}


_NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
_UNREAD_COUNTS = (  # prepared once: it runs for every post that notifies anyone
    select(_NOTIFICATIONS.c.user_id, func.count())
    .where(
        _NOTIFICATIONS.c.user_id.in_(bindparam("ids", expanding=True)),
        _NOTIFICATIONS.c.read_at.is_(None),
    )
    .group_by(_NOTIFICATIONS.c.user_id)
)


async def unread_of(runtime: Runtime, user_id: int) -> int:
    """The header's bell: one indexed count outside any action (read-only)."""
    async with runtime.sessionmaker() as db:
        found = await db.exec(
            select(func.count()).where(
                col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
            )
        )
        return int(found.one())


async def unread_count(ctx: Context) -> int:
    if ctx.actor is None or ctx.actor.id is None:
        return 0
    return (await unread_counts(ctx, [ctx.actor.id])).get(ctx.actor.id, 0)


def notification_public(row: Notification) -> dict[str, object]:
    return {
        "id": row.id,
        "kind": row.kind,
        "title": row.title,
        "url": row.url,
        "target": row.target,
        "actor_id": row.actor_id,
        "created_at": row.created_at.isoformat(),
        "read": row.read_at is not None,
        "read_at": row.read_at.isoformat() if row.read_at else None,
    }


async def list_notifications(
    ctx: Context, *, unread: bool = False, before: int | None = None, limit: int = PAGE
) -> tuple[list[Notification], int | None]:
    """The actor's notifications, newest first: a page, and the id to page on from (or None)."""
    user = ctx.require_user()
    query = select(Notification).where(Notification.user_id == user.id)
    if unread:
        query = query.where(col(Notification.read_at).is_(None))
    if before:
        query = query.where(col(Notification.id) < before)
    found = await ctx.db.exec(query.order_by(col(Notification.id).desc()).limit(limit + 1))
    rows = list(found.all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
