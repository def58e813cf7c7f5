"""A vote's tally as the API, the pages and the `vote.tally` event show it.

Secret ballots (V5): while the vote is open, `yes`, `no`, `abstain` and `passing` are null.
A live total that moves after each ballot, next to the public list of who has voted, would tell
each voter's choice by difference; so only turnout, the number who voted and whether the quorum
is met move live, and the totals appear once the vote is closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func
from sqlmodel import col, select

from hub.actions.context import Context
from hub.db import utcnow
from hub.models.votes import BallotKind, Vote, VoteBallot, VoteElector, VoteResult, VoteStatus
from hub.reads.vote_count import Count, count


async def current_count(ctx: Context, vote: Vote) -> Count:
    """Count the vote's current ballots against its frozen electorate. Its `version` is the
    number of ballots plus their changes of choice: it rises with every ballot that can move the
    tally, without a write to the vote's row (which would serialise the casts)."""
    ballots = await ctx.db.exec(
        select(
            VoteElector.municipality_id,
            VoteBallot.choice,
            func.count(),
            func.sum(col(VoteBallot.changes)),
        )
        .join(
            VoteElector,
            (col(VoteElector.vote_id) == VoteBallot.vote_id)
            & (col(VoteElector.user_id) == VoteBallot.voter_id),
        )
        .where(VoteBallot.vote_id == vote.id)
        .group_by(col(VoteElector.municipality_id), col(VoteBallot.choice))
    )
    electorate = await ctx.db.exec(
        select(VoteElector.municipality_id, func.count())
        .where(VoteElector.vote_id == vote.id)
        .group_by(col(VoteElector.municipality_id))
    )
    rows = ballots.all()
    found = count(
        vote.counting,
        [(m, c) for m, c, n, _ch in rows for _ in range(n)],
        [m for m, n in electorate.all() for _ in range(n)],
    )
    return replace(found, version=sum(n + int(ch or 0) for _m, _c, n, ch in rows))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def tally_public(vote: Vote, found: Count, now: dt.datetime | None = None) -> dict[str, object]:
    """The tally: the rules, the figures, the state and the time left. A closed vote shows its
    frozen result; an open secret one hides the choices' totals (see the module's docstring)."""
    closed = vote.status == VoteStatus.CLOSED
    hidden = vote.ballot == BallotKind.SECRET and not closed
    if closed:
        yes, no, abstain = vote.yes or 0, vote.no or 0, vote.abstain or 0
        turnout = vote.turnout or 0
        found = Count(
            yes, no, abstain, turnout, found.eligible, found.voted, found.uncounted, found.electors
        )
        version = vote.ballots_version  # frozen at the close, above every live tally's
    else:
        version = found.version
    passing = found.passing(vote.quorum, vote.threshold)
    left = 0 if closed else max(0, int((vote.closes_at - (now or utcnow())).total_seconds()))
    return {
        "status": vote.status,
        "result": vote.result,
        "counting": vote.counting,
        "ballot": vote.ballot,
        "quorum": vote.quorum,
        "threshold": vote.threshold,
        "opened_at": _iso(vote.opened_at),
        "closes_at": _iso(vote.closes_at),
        "closed_at": _iso(vote.closed_at),
        "seconds_left": left,
        "electors": found.electors,
        "eligible": found.eligible,
        "voted": found.voted,
        "uncounted": found.uncounted,
        "turnout": found.turnout,
        "turnout_percent": found.turnout_percent(),
        "quorum_met": found.quorum_met(vote.quorum),
        "yes": None if hidden else found.yes,
        "no": None if hidden else found.no,
        "abstain": None if hidden else found.abstain,
        "passing": None if hidden else (vote.result == VoteResult.PASSED if closed else passing),
        "version": version,
    }
