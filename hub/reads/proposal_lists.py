"""Reading proposals: a network's list (or the coordinator's queue), a proposal's earlier texts,
its timeline and the duplicates merged into it. Nothing here writes."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.models import User
from hub.models.proposals import (
    Proposal,
    ProposalAuthor,
    ProposalRevision,
    ProposalStatus,
    ProposalTransition,
)
from hub.permissions import Action
from hub.reads.bodies import access_network
from hub.reads.proposals import (
    PAGE,
    ProposalAccess,
    access_proposal,
    live_initiative_ids,
    load_authors,
)


async def proposal_history(ctx: Context, proposal_id: int) -> list[ProposalRevision]:
    """Earlier versions of the text, oldest first (readers of the proposal)."""
    await access_proposal(ctx, proposal_id)
    rows = await ctx.db.exec(
        select(ProposalRevision)
        .where(ProposalRevision.proposal_id == proposal_id)
        .order_by(col(ProposalRevision.version))
    )
    return list(rows.all())


async def timeline(
    ctx: Context, access: ProposalAccess
) -> list[tuple[ProposalTransition, User | None]]:
    rows = await ctx.db.exec(
        select(ProposalTransition, User)
        .join(User, col(User.id) == ProposalTransition.actor_id, isouter=True)
        .where(ProposalTransition.proposal_id == access.proposal.id)
        .order_by(col(ProposalTransition.id))
    )
    return list(rows.all())


async def merged_from(ctx: Context, access: ProposalAccess) -> list[int]:
    """The duplicates merged into this proposal."""
    rows = await ctx.db.exec(
        select(Proposal.id)
        .where(Proposal.merged_into_id == access.proposal.id)
        .order_by(col(Proposal.id))
    )
    return [i for i in rows.all() if i is not None]


def readable_clause(ctx: Context) -> ColumnElement[bool]:
    """Proposals the actor may see in a network it reads: all but the drafts of others."""
    mine = select(ProposalAuthor.id).where(
        ProposalAuthor.proposal_id == Proposal.id,
        ProposalAuthor.user_id == (ctx.actor.id if ctx.actor else None),
    )
    return or_(col(Proposal.submitted_at).is_not(None), mine.exists())


async def list_proposals(
    ctx: Context,
    network_slug: str,
    *,
    status: str | None = None,
    before: int | None = None,
    limit: int = PAGE,
    queue: bool = False,
) -> tuple[list[ProposalAccess], int | None]:
    """The network's proposals, newest first, with drafts only the actor authors; or (`queue`)
    the coordinator's review queue, submitted ones, oldest first. Returns a page and the cursor.
    """
    if queue:
        network = await access_network(ctx, network_slug, Action.REVIEW_PROPOSALS)
    else:
        network = await access_network(ctx, network_slug)
    query = select(Proposal).where(Proposal.network_id == network.id)
    if queue:
        query = query.where(Proposal.status == ProposalStatus.SUBMITTED)
        if before is not None:
            query = query.where(col(Proposal.id) > before)
        query = query.order_by(col(Proposal.id))
    else:
        if status:
            try:
                ProposalStatus(status)
            except ValueError:
                raise Invalid(
                    N_("Choose one of: %(choices)s."),
                    field="status",
                    choices=", ".join(ProposalStatus),
                ) from None
            query = query.where(Proposal.status == status)
        query = query.where(readable_clause(ctx))
        if before is not None:
            query = query.where(col(Proposal.id) < before)
        query = query.order_by(col(Proposal.id).desc())
    rows = list((await ctx.db.exec(query.limit(limit + 1))).all())
    page = rows[:limit]
    ids = [p.id for p in page if p.id is not None]
    authors = await load_authors(ctx, ids)
    initiatives = await live_initiative_ids(ctx, ids)
    items = [
        ProposalAccess(p, network, authors[p.id or 0], initiatives.get(p.id or 0)) for p in page
    ]
    return items, (page[-1].id if len(rows) > limit else None)
