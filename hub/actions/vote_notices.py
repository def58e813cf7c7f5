"""Who hears of a vote: its electors when it opens, when it closes within a day and they have
not voted (the reminder cron), and with its authors when the result is in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlmodel import col, select

from hub import channels
from hub.actions.context import Context, act
from hub.actions.notifications import Kind, notify_people
from hub.actions.proposal_notices import authors_of
from hub.db import utcnow
from hub.models.votes import Vote, VoteBallot, VoteElector, VoteStatus
from hub.plumbing.runtime import Runtime
from hub.reads.proposals import ProposalAccess, access_proposal

REMIND_BEFORE = dt.timedelta(hours=24)


async def _tell(
    ctx: Context, access: ProposalAccess, vote: Vote, kind: Kind, users: Iterable[int]
) -> list[int]:
    return await notify_people(
        ctx,
        kind,
        users,
        source_id=vote.id or 0,
        target=channels.proposal(access.proposal.id),
        url=f"/proposals/{access.proposal.id}#vote",
        title=access.proposal.title,
        network=access.network,
    )


async def _electors(ctx: Context, vote: Vote, *, not_voted: bool = False) -> list[int]:
    query = select(VoteElector.user_id).where(VoteElector.vote_id == vote.id)
    if not_voted:
        ballots = select(VoteBallot.voter_id).where(VoteBallot.vote_id == vote.id)
        query = query.where(col(VoteElector.user_id).not_in(ballots))
    return [int(u) for u in (await ctx.db.exec(query)).all()]


async def notify_vote_opened(ctx: Context, access: ProposalAccess, vote: Vote) -> None:
    await _tell(ctx, access, vote, Kind.VOTE_OPENED, await _electors(ctx, vote))


async def notify_vote_result(ctx: Context, access: ProposalAccess, vote: Vote) -> None:
    people = set(await _electors(ctx, vote)) | authors_of(access)
    await _tell(ctx, access, vote, Kind.VOTE_RESULT, people)


async def remind_closing_votes(runtime: Runtime, now: dt.datetime | None = None) -> int:
    """Electors who have not voted in a vote closing within 24 hours hear once (the cron);
    how many were newly reminded."""
    now = now or utcnow()
    reminded = 0
    async with act(runtime, system=True) as ctx:
        soon = await ctx.db.exec(
            select(Vote).where(
                Vote.status == VoteStatus.OPEN,
                col(Vote.closes_at) > now,
                col(Vote.closes_at) <= now + REMIND_BEFORE,
            )
        )
        for vote in list(soon.all()):
            access = await access_proposal(ctx, vote.proposal_id)
            late = await _electors(ctx, vote, not_voted=True)
            reminded += len(await _tell(ctx, access, vote, Kind.VOTE_CLOSING, late))
    return reminded
