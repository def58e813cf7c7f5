"""Reading a vote: the tally, the caller's own ballot, who has voted, and (open ballots only)
who voted what. Every read of a vote past its closing time closes it first (V4).

Secret ballots (V5): no read here returns another person's choice or reason; the caller's own
ballot is shown to the caller alone (to change it); the list of who has voted carries names and
the time of the first ballot only.
"""

from __future__ import annotations

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Forbidden
from hub.actions.votes import close_if_due, load_vote, vote_of
from hub.models import User
from hub.models.votes import BallotKind, Vote, VoteBallot, VoteElector
from hub.reads.proposals import ProposalAccess
from hub.reads.vote_tally import current_count, tally_public

PAGE = 50
MAX_PAGE = 200


async def read_tally(ctx: Context, proposal_id: int) -> dict[str, object]:
    """The tally of the proposal's vote (readers of the proposal; 404 without a vote)."""
    _access, vote = await load_vote(ctx, proposal_id)
    return tally_public(vote, await current_count(ctx, vote))


async def vote_summary(ctx: Context, access: ProposalAccess) -> dict[str, object] | None:
    """The `vote` object of a proposal's JSON (its rules and tally), None before a vote; closes
    a due vote first. The caller re-reads the proposal when the returned tally is closed."""
    vote = await vote_of(ctx, access.proposal.id or 0)
    if vote is None:
        return None
    vote = await close_if_due(ctx, vote)
    return tally_public(vote, await current_count(ctx, vote))


def ballot_public(ballot: VoteBallot) -> dict[str, object]:
    """A ballot with its choice: for its own voter, or on an open ballot."""
    return {
        "choice": ballot.choice,
        "reason": ballot.reason,
        "cast_at": ballot.cast_at.isoformat(),
        "changed_at": ballot.changed_at.isoformat(),
    }


async def read_my_ballot(ctx: Context, proposal_id: int) -> dict[str, object] | None:
    """The caller's own ballot, or None (not yet voted, or not an elector)."""
    user = ctx.require_user()
    _access, vote = await load_vote(ctx, proposal_id)
    found = await ctx.db.exec(
        select(VoteBallot)
        .where(VoteBallot.vote_id == vote.id, VoteBallot.voter_id == user.id)
        .execution_options(populate_existing=True)
    )
    ballot = found.first()
    return None if ballot is None else ballot_public(ballot)


async def is_elector(ctx: Context, vote: Vote) -> bool:
    if ctx.actor is None:
        return False
    found = await ctx.db.exec(
        select(VoteElector.id).where(
            VoteElector.vote_id == vote.id, VoteElector.user_id == ctx.actor.id
        )
    )
    return found.first() is not None


async def list_voters(
    ctx: Context, proposal_id: int, *, after: int | None = None, limit: int = PAGE
) -> tuple[list[dict[str, object]], int | None]:
    """Who has voted, in the order of their first ballot (both kinds of ballot): a page and the
    cursor of the next one."""
    _access, vote = await load_vote(ctx, proposal_id)
    rows = await _ballots_page(ctx, vote, after, limit)
    items: list[dict[str, object]] = [
        {"id": user.id, "name": user.name, "voted_at": ballot.cast_at.isoformat()}
        for ballot, user in rows[:limit]
    ]
    return items, _next(rows, limit)


async def list_ballots(
    ctx: Context, proposal_id: int, *, after: int | None = None, limit: int = PAGE
) -> tuple[list[dict[str, object]], int | None]:
    """Who voted what, with their reasons, in the order of their first ballot: open ballots
    only (a secret ballot's choices are shown to no one: 403)."""
    _access, vote = await load_vote(ctx, proposal_id)
    if vote.ballot == BallotKind.SECRET:
        raise Forbidden(N_("This is a secret ballot: only the totals and who has voted are shown."))
    rows = await _ballots_page(ctx, vote, after, limit)
    items = [
        {"voter": {"id": user.id, "name": user.name}, **ballot_public(ballot)}
        for ballot, user in rows[:limit]
    ]
    return items, _next(rows, limit)


async def _ballots_page(
    ctx: Context, vote: Vote, after: int | None, limit: int
) -> list[tuple[VoteBallot, User]]:
    query = (
        select(VoteBallot, User)
        .join(User, col(User.id) == VoteBallot.voter_id)
        .where(VoteBallot.vote_id == vote.id)
    )
    if after is not None:
        query = query.where(col(VoteBallot.id) > after)
    rows = await ctx.db.exec(query.order_by(col(VoteBallot.id)).limit(limit + 1))
    return list(rows.all())


def _next(rows: list[tuple[VoteBallot, User]], limit: int) -> int | None:
    return rows[limit - 1][0].id if len(rows) > limit else None
