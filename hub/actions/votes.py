"""Voting on a proposal: the coordinator opens a vote, the electors cast ballots, the vote closes.

- Opening (`do_open_vote`) moves the proposal approved -> voting through the table of states and
  writes the vote's rules and its electorate in the same transaction: every member of the
  network (coordinators too: they are members) whose account is active, with the local
  government their account names at that moment. The electorate never changes after.
- A ballot (`do_cast`, in hub.actions.vote_cast) is accepted only while the vote row is
  `open` and before `closes_at`: on PostgreSQL the cast's one statement holds the row `FOR
  SHARE` (casts run side by side; the closing UPDATE waits for all of them), on SQLite it first
  raises `ballots_version` with a conditional UPDATE (the database's write lock). So every
  accepted ballot commits before the close counts, and a cast after it gets 409 (V4).
  One ballot per (vote, voter): an upsert on the unique key; a change rewrites the row (V1, V2).
- Closing (`do_close_vote` by the coordinator at any time, `close_due_votes` from the cron, and
  `close_if_due` whenever anyone reads or votes on a vote past its time) is one conditional
  UPDATE `WHERE status = 'open'`; then, in the same transaction, the ballots are counted (the
  UPDATE held the lock, so none can be added any more), the frozen result written, the proposal
  moved to passed or failed, and a passed one gets its `compile:proposal:<id>` job intent (J5).

Counting rules: hub.reads.vote_count. What the tally shows: hub.reads.vote_tally.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, literal, update
from sqlalchemy import insert as sql_insert
from sqlmodel import col, select

from hub import channels
from hub.actions.context import Context, act
from hub.actions.errors import N_, Conflict, Invalid, NotFound
from hub.actions.proposal_review import _after, _move
from hub.actions.proposal_states import Move
from hub.actions.proposal_text import conflict_in_state
from hub.actions.validate import check_choice
from hub.actions.vote_notices import notify_vote_opened, notify_vote_result
from hub.db import utcnow
from hub.events import Event
from hub.models import JobIntent, NetworkMembership, User
from hub.models.votes import (
    BallotKind,
    Counting,
    Vote,
    VoteBallot,
    VoteElector,
    VoteResult,
    VoteStatus,
)
from hub.permissions import Action
from hub.plumbing.runtime import Runtime
from hub.reads.proposals import ProposalAccess, access_proposal
from hub.reads.vote_tally import current_count, tally_public
from hub.upsert import insert_ignore

MAX_AHEAD = dt.timedelta(days=366)  # "at most a year ahead", leap years included


def notify_tally(access: ProposalAccess, vote: Vote, tally: dict[str, object]) -> Event:
    """`vote.tally` on the proposal's channel: the tally as the API shows it (secret rules
    applied: it names no voter and, while a secret vote is open, no totals)."""
    return Event(
        channel=channels.proposal(access.proposal.id),
        type="vote.tally",
        data={"proposal_id": access.proposal.id, **tally},
    )


async def vote_of(ctx: Context, proposal_id: int) -> Vote | None:
    found = await ctx.db.exec(
        select(Vote)
        .where(Vote.proposal_id == proposal_id)
        .execution_options(populate_existing=True)
    )
    return found.first()


def is_due(vote: Vote, now: dt.datetime | None = None) -> bool:
    return vote.status == VoteStatus.OPEN and vote.closes_at <= (now or utcnow())


async def close_if_due(ctx: Context, vote: Vote) -> Vote:
    """The vote, closed first if its time has come (the close runs in a transaction of its own,
    so a reader's or a late voter's request closes it even when that request then fails)."""
    if not is_due(vote):
        return vote
    await close_apart(ctx.runtime, vote.proposal_id)
    return await vote_of(ctx, vote.proposal_id) or vote


async def close_apart(runtime: Runtime, proposal_id: int, now: dt.datetime | None = None) -> bool:
    """Close a due vote in its own transaction, as the system; False if it was closed already."""
    async with act(runtime, system=True) as ctx:
        vote = await vote_of(ctx, proposal_id)
        if vote is None or not is_due(vote, now):
            return False
        return await _close(ctx, proposal_id, closed_by=None) is not None


async def load_vote(ctx: Context, proposal_id: int) -> tuple[ProposalAccess, Vote]:
    """The proposal (if the actor may read it) and its vote, closed first when due; a proposal
    without a vote is 404 for reads of the vote."""
    access = await access_proposal(ctx, proposal_id)
    vote = await vote_of(ctx, proposal_id)
    if vote is None:
        raise NotFound(N_("This proposal has no vote."))
    vote = await close_if_due(ctx, vote)
    if vote.status == VoteStatus.CLOSED:  # the proposal's state moved with the close
        access = await access_proposal(ctx, proposal_id)
    return access, vote


# Opening


def _check_rules(
    closes_at: dt.datetime | str | None,
    quorum: int | None,
    threshold: int | None,
    counting: str | None,
    ballot: str | None,
) -> tuple[dt.datetime, int, int, str, str]:
    when = _check_closes_at(closes_at)
    return (
        when,
        _check_percent(quorum, "quorum", 0),
        _check_percent(threshold, "threshold", 50),
        check_choice(counting, tuple(Counting), field="counting"),
        check_choice(ballot, tuple(BallotKind), field="ballot"),
    )


def _check_percent(value: int | None, field: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 100:
        raise Invalid(
            N_("A whole number from %(min)d to %(max)d, please."), field=field, min=low, max=100
        )
    return value


def _check_closes_at(value: dt.datetime | str | None) -> dt.datetime:
    when: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
    if when is None or when.tzinfo is None:
        raise Invalid(
            N_("Give the closing time as a date and time with its time zone."), field="closes_at"
        )
    when = when.astimezone(dt.UTC)
    now = utcnow()
    if when <= now:
        raise Invalid(N_("The closing time must be in the future."), field="closes_at")
    if when > now + MAX_AHEAD:
        raise Invalid(N_("The closing time may be at most a year ahead."), field="closes_at")
    return when


async def do_open_vote(
    ctx: Context,
    proposal_id: int,
    *,
    closes_at: dt.datetime | str | None,
    quorum: int | None,
    threshold: int | None,
    counting: str | None = Counting.MEMBER,
    ballot: str | None = BallotKind.OPEN,
) -> tuple[ProposalAccess, Vote]:
    """Open the vote on an approved proposal (the coordinator, or an admin): the proposal moves
    to `voting`, the rules and the electorate are written and never change after."""
    access = await access_proposal(ctx, proposal_id)
    ctx.require(Action.REVIEW_PROPOSALS, access.network)
    when, quorum_, threshold_, counting_, ballot_ = _check_rules(
        closes_at, quorum, threshold, counting, ballot
    )
    if access.proposal.status != "approved":
        raise conflict_in_state(access.proposal.status)
    row = await _move(ctx, access, Move.OPEN_VOTE)
    vote = Vote(
        proposal_id=proposal_id,
        closes_at=when,
        quorum=quorum_,
        threshold=threshold_,
        counting=counting_,
        ballot=ballot_,
        opened_by_id=ctx.actor.id if ctx.actor else None,
        opened_at=row.at,
    )
    ctx.db.add(vote)
    await ctx.db.flush()
    members = (
        select(literal(vote.id, Integer), col(User.id), col(User.municipality_id))
        .join(NetworkMembership, col(NetworkMembership.user_id) == User.id)
        .where(NetworkMembership.network_id == access.network.id, col(User.is_active).is_(True))
    )
    await ctx.db.exec(
        sql_insert(VoteElector).from_select(["vote_id", "user_id", "municipality_id"], members)
    )
    found = await current_count(ctx, vote)
    if counting_ == Counting.MUNICIPALITY and found.eligible == 0:
        raise Invalid(
            N_("No member of this network has a local government: count per member."),
            field="counting",
        )
    vote.electorate_size = found.eligible
    await ctx.db.flush()
    ctx.audit(
        "vote.opened",
        vote,
        proposal=proposal_id,
        closes_at=when.isoformat(),
        quorum=quorum_,
        threshold=threshold_,
        counting=counting_,
        ballot=ballot_,
        electors=found.electors,
        eligible=found.eligible,
    )
    access = await _after(ctx, proposal_id, row)
    ctx.emit(notify_tally(access, vote, tally_public(vote, found)))
    await notify_vote_opened(ctx, access, vote)
    return access, vote


# Casting


async def _closed_conflict(ctx: Context, proposal_id: int) -> Conflict:
    """409 naming the state the close left the proposal in (passed or failed)."""
    access = await access_proposal(ctx, proposal_id)
    return conflict_in_state(access.proposal.status)


async def my_ballot(ctx: Context, vote: Vote, user_id: int) -> VoteBallot:
    found = await ctx.db.exec(
        select(VoteBallot)
        .where(VoteBallot.vote_id == vote.id, VoteBallot.voter_id == user_id)
        .execution_options(populate_existing=True)
    )
    return found.one()


# Closing


async def _close(ctx: Context, proposal_id: int, *, closed_by: int | None) -> Vote | None:
    """Close the open vote and freeze its result; None if it was not open (someone else closed
    it first)."""
    now = utcnow()
    done = await ctx.db.exec(
        update(Vote)
        .where(col(Vote.proposal_id) == proposal_id, col(Vote.status) == VoteStatus.OPEN)
        .values(status=VoteStatus.CLOSED, closed_at=now, closed_by_id=closed_by)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    vote = await vote_of(ctx, proposal_id)
    assert vote is not None
    # A statement after the UPDATE: on PostgreSQL it sees every ballot committed while the
    # UPDATE waited for the casts holding the row, and no cast can follow it.
    found = await current_count(ctx, vote)
    passed = found.passing(vote.quorum, vote.threshold)
    result = VoteResult.PASSED if passed else VoteResult.FAILED
    values: dict[str, Any] = {
        "yes": found.yes,
        "no": found.no,
        "abstain": found.abstain,
        "turnout": found.turnout,
        "result": result,
    }
    # Above every live tally's version, so a client keeping the highest keeps the result.
    version = max(vote.ballots_version, found.version) + 1
    await ctx.db.exec(
        update(Vote)
        .where(col(Vote.id) == vote.id)
        .values(**values, ballots_version=version)
        .execution_options(synchronize_session=False)
    )
    vote = await vote_of(ctx, proposal_id)
    assert vote is not None
    access = await access_proposal(ctx, proposal_id)
    row = await _move(ctx, access, Move.PASS if passed else Move.FAIL)
    if passed:
        committee = access.network.committee_id
        payload = {"proposal_ids": [proposal_id], "committee_id": committee}
        intent = {"key": f"compile:proposal:{proposal_id}", "kind": "compile", "payload": payload}
        await insert_ignore(ctx.db, JobIntent, intent, ("key",))
    ctx.audit(
        "vote.closed",
        vote,
        proposal=proposal_id,
        **values,
        eligible=found.eligible,
        automatic=closed_by is None,
    )
    access = await _after(ctx, proposal_id, row)
    ctx.emit(notify_tally(access, vote, tally_public(vote, found, now)))
    await notify_vote_result(ctx, access, vote)
    return vote


async def do_close_vote(ctx: Context, proposal_id: int) -> tuple[ProposalAccess, Vote]:
    """Close the vote now (the coordinator, or an admin), before its time if they so decide."""
    access = await access_proposal(ctx, proposal_id)
    ctx.require(Action.REVIEW_PROPOSALS, access.network)
    vote = await vote_of(ctx, proposal_id)
    if vote is None:
        raise conflict_in_state(access.proposal.status)
    closed = await _close(ctx, proposal_id, closed_by=ctx.actor.id if ctx.actor else None)
    if closed is None:
        raise await _closed_conflict(ctx, proposal_id)
    return await access_proposal(ctx, proposal_id), closed


async def close_due_votes(runtime: Runtime, now: dt.datetime | None = None) -> int:
    """Close every open vote whose time has come, each in a transaction of its own (the cron);
    how many this call closed."""
    async with runtime.sessionmaker() as db:
        due = await db.exec(
            select(Vote.proposal_id).where(
                Vote.status == VoteStatus.OPEN, col(Vote.closes_at) <= (now or utcnow())
            )
        )
        proposal_ids = list(due.all())
    closed = 0
    for proposal_id in proposal_ids:
        closed += await close_apart(runtime, proposal_id, now)
    return closed
