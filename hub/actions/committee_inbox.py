"""Who may see an initiative, and the committee's inbox.

Committee members (and admins) see every initiative addressed to their committee; members of
a network one of its proposals came from see it read-only (document, status, decision,
follow-ups; never the committee's discussion); to anyone else it does not exist (404). The
inbox groups the committee's initiatives as new (compiling, failed or delivered: nobody has
started on them), in review, and decided; superseded ones (taken into a joint initiative) are
left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select

from hub.actions import cursors
from hub.actions.bodies import access_committee
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Forbidden, NotFound
from hub.models import (
    Committee,
    Initiative,
    InitiativeProposal,
    InitiativeStatus,
    Network,
    Proposal,
)
from hub.permissions import Action

S = InitiativeStatus
NO_INITIATIVE = N_("No such initiative.")
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


@dataclass
class InitiativeAccess:
    """An initiative the actor may see, its committee and its proposals with their networks.

    `in_committee`: the actor works in its committee (a member, the chair, an admin) and so
    sees the discussion; otherwise they read it as a member of one of the proposals' networks.
    """

    initiative: Initiative
    committee: Committee
    proposals: list[tuple[Proposal, Network]]
    in_committee: bool

    @property
    def networks(self) -> list[Network]:
        return list({n.id: n for _p, n in self.proposals}.values())

    def channels(self) -> list[str]:
        """Where a change of the initiative is told: its committee and each proposal."""
        return [f"committee:{self.committee.slug}"] + [
            f"proposal:{p.id}" for p, _n in self.proposals
        ]


async def load_proposals(ctx: Context, initiative_id: int) -> list[tuple[Proposal, Network]]:
    rows = await ctx.db.exec(
        select(Proposal, Network)
        .join(InitiativeProposal, col(InitiativeProposal.proposal_id) == Proposal.id)
        .join(Network, col(Network.id) == Proposal.network_id)
        .where(InitiativeProposal.initiative_id == initiative_id)
        .order_by(col(InitiativeProposal.position), col(InitiativeProposal.id))
    )
    return [(p, n) for p, n in rows.all()]


async def access_initiative(ctx: Context, initiative_id: int) -> InitiativeAccess:
    """The initiative if the actor may see it; NotFound otherwise."""
    found = (
        await ctx.db.exec(
            select(Initiative, Committee)
            .join(Committee, col(Committee.id) == Initiative.committee_id)
            .where(Initiative.id == initiative_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        raise NotFound(NO_INITIATIVE)
    initiative, committee = found
    proposals = await load_proposals(ctx, initiative_id)
    in_committee = ctx.may(Action.VIEW_COMMITTEE_INBOX, committee)
    if not in_committee and not any(ctx.principal.network_role(n) for _p, n in proposals):
        raise NotFound(NO_INITIATIVE)
    return InitiativeAccess(initiative, committee, proposals, in_committee)


def require_committee(ctx: Context, access: InitiativeAccess) -> None:
    """Only those who work in the committee (403 for the proposals' networks)."""
    if not access.in_committee:
        raise Forbidden(N_("Only the committee's members may do that."))


# One message per state, so each names the state in the reader's language.
_IN_STATE = {
    S.COMPILING: N_("This initiative is still being compiled: that is not possible now."),
    S.FAILED: N_("This initiative's compilation failed: that is not possible now."),
    S.DELIVERED: N_("This initiative has not been adopted: that is not possible now."),
    S.IN_REVIEW: N_("This initiative is still under review: that is not possible now."),
    S.ADOPTED: N_("This initiative was already adopted: that is not possible any more."),
    S.RETURNED: N_("This initiative was already returned: that is not possible now."),
    S.REJECTED: N_("This initiative was already rejected: that is not possible any more."),
    S.SUPERSEDED: N_(
        "This initiative was taken into a joint initiative: that is not possible any more."
    ),
}


def conflict_in_state(status: str) -> Conflict:
    """409 naming the state the initiative is in now."""
    return Conflict(_IN_STATE[S(status)], status=status)


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
