""" "Votes waiting for me": open votes in which the reader is an elector and has not voted yet,
soonest closing first (the dashboard). Only proposals the reader may read are listed: an elector
was a member of the network when the vote opened, and only members' proposals are voted on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from hub.actions.context import Context
from hub.db import utcnow
from hub.models.proposals import Proposal
from hub.models.votes import Vote, VoteBallot, VoteElector, VoteStatus

LIMIT = 20


@dataclass(frozen=True)
class WaitingVote:
    proposal_id: int
    title: str
    closes_at: datetime


async def votes_waiting(ctx: Context, limit: int = LIMIT) -> list[WaitingVote]:
    """The reader's open, not yet due votes without a ballot of theirs (none when signed out)."""
    if ctx.actor is None or ctx.actor.id is None:
        return []
    voted = select(VoteBallot.vote_id).where(VoteBallot.voter_id == ctx.actor.id)
    rows = await ctx.db.exec(
        select(Proposal.id, Proposal.title, Vote.closes_at)
        .join(Vote, col(Vote.proposal_id) == Proposal.id)
        .join(VoteElector, col(VoteElector.vote_id) == Vote.id)
        .where(
            VoteElector.user_id == ctx.actor.id,
            Vote.status == VoteStatus.OPEN,
            col(Vote.closes_at) > utcnow(),
            col(Vote.id).not_in(voted),
        )
        .order_by(col(Vote.closes_at), col(Proposal.id))
        .limit(limit)
    )
    return [WaitingVote(pid or 0, title, closes_at) for pid, title, closes_at in rows.all()]
