"""An initiative's decisions and follow-ups, read, with their public shapes (the chair's steps
are written by hub.actions.initiative_decisions).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from hub.actions.context import Context
from hub.models import InitiativeDecision, InitiativeFollowUp, User
from hub.reads.initiatives import InitiativeAccess, document_formats, initiative_public


def decision_public(row: InitiativeDecision, actor: User | None = None) -> dict[str, Any]:
    return {
        "decision": row.decision,
        "revision": row.revision,
        "note": row.note,
        "actor": {"id": actor.id, "name": actor.name} if actor else None,
        "at": row.at.isoformat(),
    }


def follow_up_public(row: InitiativeFollowUp) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "note": row.note,
        "date": row.date.isoformat(),
        "created_at": row.created_at.isoformat(),
    }


async def decisions(
    ctx: Context, initiative_ids: list[int]
) -> dict[int, list[tuple[InitiativeDecision, User | None]]]:
    """Each initiative's decisions, oldest first (callers have checked access)."""
    rows = await ctx.db.exec(
        select(InitiativeDecision, User)
        .join(User, col(User.id) == InitiativeDecision.actor_id, isouter=True)
        .where(col(InitiativeDecision.initiative_id).in_(initiative_ids))
        .order_by(col(InitiativeDecision.id))
    )
    out: dict[int, list[tuple[InitiativeDecision, User | None]]] = {i: [] for i in initiative_ids}
    for row, user in rows.all():
        out[row.initiative_id].append((row, user))
    return out


async def follow_ups(
    ctx: Context, initiative_ids: list[int]
) -> dict[int, list[InitiativeFollowUp]]:
    """Each initiative's follow-ups by date (callers have checked access)."""
    rows = await ctx.db.exec(
        select(InitiativeFollowUp)
        .where(col(InitiativeFollowUp.initiative_id).in_(initiative_ids))
        .order_by(col(InitiativeFollowUp.date), col(InitiativeFollowUp.id))
    )
    out: dict[int, list[InitiativeFollowUp]] = {i: [] for i in initiative_ids}
    for row in rows.all():
        out[row.initiative_id].append(row)
    return out


async def timeline_of(ctx: Context, access: InitiativeAccess) -> dict[str, Any]:
    """The initiative's decisions and follow-ups, as its readers see them."""
    initiative_id = access.initiative.id or 0
    steps = (await decisions(ctx, [initiative_id]))[initiative_id]
    later = (await follow_ups(ctx, [initiative_id]))[initiative_id]
    return {
        "initiative": initiative_public(access, await document_formats(ctx, access.revision)),
        "decisions": [decision_public(row, user) for row, user in steps],
        "follow_ups": [follow_up_public(row) for row in later],
    }
