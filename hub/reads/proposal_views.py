"""What the proposals' pages read: what the viewer may do now, counts per state, "my proposals",
the review queue's size, the proposals one may be merged into.

What a viewer may do is worked out from the same rules the actions apply (the table in
hub.actions.proposal_states and the access checks of hub.actions.proposals), so a page offers a
button exactly when the action behind it would accept it in the state the page was read in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.proposal_states import EDITABLE, MERGE_TARGETS, TRANSITIONS, By, Move, moves_from
from hub.models import Network
from hub.models.proposals import Proposal, ProposalAuthor, ProposalStatus
from hub.permissions import Action
from hub.reads.proposal_lists import readable_clause
from hub.reads.proposals import ProposalAccess, load_authors

MY_LIMIT = 100
# Open to new authors (invite, accept) while it may still be withdrawn: before a vote.
OPEN_TO_AUTHORS = TRANSITIONS[Move.WITHDRAW].sources


def _author_may(ctx: Context, access: ProposalAccess) -> bool:
    """hub.reads.proposals.require_author, as a question."""
    user_id = ctx.actor.id if ctx.actor else None
    return access.is_author(user_id) and ctx.may(Action.PROPOSE, access.network)


def _may_by(ctx: Context, access: ProposalAccess, by: By) -> bool:
    if by is By.AUTHOR:
        return _author_may(ctx, access)
    return ctx.may(Action.REVIEW_PROPOSALS, access.network)


def viewer_moves(ctx: Context, access: ProposalAccess) -> frozenset[str]:
    """The moves of the table the actor may make now, and "edit", "invite" and "accept"."""
    status = access.proposal.status
    allowed = {m.value for m in moves_from(status) if _may_by(ctx, access, TRANSITIONS[m].by)}
    author = _author_may(ctx, access)
    if author and status in EDITABLE:
        allowed.add("edit")
    if author and status in OPEN_TO_AUTHORS:
        allowed.add("invite")
    row = access.author_row(ctx.actor.id if ctx.actor else None)
    pending = row is not None and row.accepted_at is None
    if pending and status in OPEN_TO_AUTHORS and ctx.may(Action.PROPOSE, access.network):
        allowed.add("accept")
    return frozenset(allowed)


async def status_counts(ctx: Context, network: Network) -> dict[str, int]:
    """How many proposals of the network the actor sees in each state (and "" for all)."""
    rows = await ctx.db.exec(
        select(Proposal.status, func.count())
        .where(Proposal.network_id == network.id, readable_clause(ctx))
        .group_by(col(Proposal.status))
    )
    counts = {str(status): int(n) for status, n in rows.all()}
    return {"": sum(counts.values()), **{s.value: counts.get(s.value, 0) for s in ProposalStatus}}


@dataclass(frozen=True)
class MyProposal:
    access: ProposalAccess
    accepted: bool  # False: an invitation waiting for an answer


async def my_proposals(ctx: Context) -> list[MyProposal]:
    """The proposals the actor authors or is invited to, newest first, in networks it reads."""
    user = ctx.require_user()
    rows = await ctx.db.exec(
        select(Proposal, Network, ProposalAuthor)
        .join(Network, col(Network.id) == Proposal.network_id)
        .join(ProposalAuthor, col(ProposalAuthor.proposal_id) == Proposal.id)
        .where(ProposalAuthor.user_id == user.id)
        .order_by(col(Proposal.id).desc())
        .limit(MY_LIMIT)
    )
    found = [(p, n, a) for p, n, a in rows.all() if ctx.may(Action.VIEW_NETWORK, n)]
    authors = await load_authors(ctx, [p.id for p, _n, _a in found if p.id is not None])
    return [
        MyProposal(ProposalAccess(p, n, authors[p.id or 0]), a.accepted_at is not None)
        for p, n, a in found
    ]


async def review_counts(ctx: Context, networks: list[Network]) -> dict[int, int]:
    """Submitted proposals waiting, by network, for the networks the actor reviews."""
    ids = [n.id for n in networks if n.id and ctx.may(Action.REVIEW_PROPOSALS, n)]
    if not ids:
        return {}
    rows = await ctx.db.exec(
        select(Proposal.network_id, func.count())
        .where(col(Proposal.network_id).in_(ids), Proposal.status == ProposalStatus.SUBMITTED)
        .group_by(col(Proposal.network_id))
    )
    return {int(network_id): int(n) for network_id, n in rows.all()}


async def merge_targets(ctx: Context, access: ProposalAccess) -> list[Proposal]:
    """The proposals this one may be merged into (for a reviewer; else none), newest first."""
    if not ctx.may(Action.REVIEW_PROPOSALS, access.network):
        return []
    rows = await ctx.db.exec(
        select(Proposal)
        .where(
            Proposal.network_id == access.network.id,
            col(Proposal.status).in_(list(MERGE_TARGETS)),
            Proposal.id != access.proposal.id,
        )
        .order_by(col(Proposal.id).desc())
        .limit(MY_LIMIT)
    )
    return list(rows.all())


async def invitation_count(ctx: Context) -> int:
    """Invitations to co-author the actor has not answered (on proposals still open to it)."""
    user = ctx.require_user()
    rows = await ctx.db.exec(
        select(func.count())
        .select_from(ProposalAuthor)
        .join(Proposal, col(Proposal.id) == ProposalAuthor.proposal_id)
        .where(
            ProposalAuthor.user_id == user.id,
            col(ProposalAuthor.accepted_at).is_(None),
            col(Proposal.status).in_(list(OPEN_TO_AUTHORS)),
        )
    )
    return int(rows.one())
