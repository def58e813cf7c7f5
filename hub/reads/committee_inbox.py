"""The committee's inbox, and who works in an initiative's committee.

Who sees an initiative is hub.reads.initiatives.access_initiative: committee members (and
admins) see every initiative addressed to their committee; members of a network one of its
proposals came from see it too, read-only here (document, status, decisions, follow-ups; never
the committee's discussion). The
inbox groups the committee's initiatives as new (compiling, failed or delivered: nobody has
started on them), in review, and decided; superseded ones (taken into a joint initiative) are
left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from hub import channels
from hub.actions.context import Context
from hub.actions.errors import N_, Forbidden
from hub.models import Committee, Initiative, InitiativeStatus
from hub.permissions import Action
from hub.reads import cursors
from hub.reads.bodies import access_committee
from hub.reads.initiatives import InitiativeAccess

S = InitiativeStatus
PAGE = 30
MAX_PAGE = 100


class Tab(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    DECIDED = "decided"


TABS: dict[Tab, tuple[str, ...]] = {
    Tab.NEW: (S.COMPILING, S.FAILED, S.DELIVERED),
    Tab.IN_REVIEW: (S.IN_REVIEW,),
    Tab.DECIDED: (S.ADOPTED, S.RETURNED, S.REJECTED),
}
DECIDABLE = (S.DELIVERED, S.IN_REVIEW)


def in_committee(ctx: Context, access: InitiativeAccess) -> bool:
    """Does the actor work in the initiative's committee (a member, the chair, an admin)?"""
    return ctx.may(Action.VIEW_COMMITTEE_INBOX, access.committee)


def require_committee(ctx: Context, access: InitiativeAccess) -> None:
    """Only those who work in the committee (403 for the proposals' networks)."""
    if not in_committee(ctx, access):
        raise Forbidden(N_("Only the committee's members may do that."))


def step_channels(access: InitiativeAccess) -> list[str]:
    """Where a step of the committee's is told: the initiative's channel, its committee's
    (the inbox) and each proposal's (the proposal's page shows what became of it)."""
    own = [channels.initiative(access.initiative.id), channels.committee(access.committee.slug)]
    return own + [channels.proposal(p.id) for p, _n in access.proposals]


async def current_status(ctx: Context, initiative_id: int) -> str:
    row = await ctx.db.exec(select(Initiative.status).where(Initiative.id == initiative_id))
    return row.one()


@dataclass
class Inbox:
    committee: Committee
    items: list[Initiative]
    next: str | None
    counts: dict[str, int]


async def inbox_counts(ctx: Context, committee_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per committee, how many initiatives each tab holds."""
    rows = await ctx.db.exec(
        select(Initiative.committee_id, Initiative.status, func.count())
        .where(col(Initiative.committee_id).in_(committee_ids))
        .group_by(col(Initiative.committee_id), col(Initiative.status))
    )
    out = {c: dict.fromkeys(Tab, 0) for c in committee_ids}
    for committee_id, status, n in rows.all():
        for tab, statuses in TABS.items():
            if status in statuses:
                out[committee_id][tab] += n
    return {c: {str(t): n for t, n in tabs.items()} for c, tabs in out.items()}


async def inbox(
    ctx: Context, slug: str, *, tab: str = Tab.NEW, cursor: str | None = None, limit: int = PAGE
) -> Inbox:
    """One tab of the committee's inbox, newest first (committee members and admins)."""
    committee = await access_committee(ctx, slug, Action.VIEW_COMMITTEE_INBOX)
    assert committee.id is not None
    query = select(Initiative).where(
        Initiative.committee_id == committee.id, col(Initiative.status).in_(TABS[Tab(tab)])
    )
    if cursor:
        (before,) = cursors.decode(cursor, int)
        query = query.where(col(Initiative.id) < before)
    rows = list(
        (await ctx.db.exec(query.order_by(col(Initiative.id).desc()).limit(limit + 1))).all()
    )
    page = rows[:limit]
    next_ = cursors.encode(page[-1].id or 0) if len(rows) > limit else None
    counts = (await inbox_counts(ctx, [committee.id]))[committee.id]
    return Inbox(committee, page, next_, counts)


def inbox_item(initiative: Initiative) -> dict[str, Any]:
    return {
        "id": initiative.id,
        "number": initiative.number,
        "title": initiative.title,
        "status": initiative.status,
        "revision": initiative.current_revision,
        "created_at": initiative.created_at.isoformat(),
        "status_changed_at": initiative.status_changed_at.isoformat(),
    }
