"""Opening votes and casting ballots through the actions, for the votes' tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.vote_cast import do_cast
from hub.actions.votes import do_open_vote
from hub.db import utcnow
from hub.models import AuditEntry, JobIntent, Proposal, ProposalTransition, Vote, VoteBallot
from hub.models.votes import VoteElector
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import S, as_user, proposal_in

RULES: dict[str, Any] = {"quorum": 50, "threshold": 50, "counting": "member", "ballot": "open"}


def soon(hours: int = 1) -> dt.datetime:
    return utcnow() + dt.timedelta(hours=hours)


async def open_vote(rt: Runtime, people: dict[str, int], **rules: Any) -> int:
    """An approved proposal put to the vote by `coordinator`; its id."""
    pid = await proposal_in(rt, people, S.APPROVED)
    given = {**RULES, "closes_at": soon(), **rules}
    await as_user(rt, people["coordinator"], lambda c: do_open_vote(c, pid, **given))
    return pid


async def cast(rt: Runtime, uid: int, pid: int, choice: str, reason: str = "") -> None:
    await as_user(rt, uid, lambda c: do_cast(c, pid, choice, reason))


async def make_due(rt: Runtime, pid: int) -> None:
    """Move the closing time into the past, as if the time had come."""
    async with rt.sessionmaker() as db:
        await db.exec(
            update(Vote)
            .where(col(Vote.proposal_id) == pid)
            .values(closes_at=utcnow() - dt.timedelta(seconds=1))
        )
        await db.commit()


async def vote_row(rt: Runtime, pid: int) -> Vote | None:
    async with rt.sessionmaker() as db:
        return (await db.exec(select(Vote).where(Vote.proposal_id == pid))).first()


async def written(rt: Runtime) -> dict[str, int]:
    """How many rows the tables a vote writes hold, to check that nothing was written."""
    out = {}
    async with rt.sessionmaker() as db:
        for model in (
            Vote,
            VoteElector,
            VoteBallot,
            JobIntent,
            AuditEntry,
            ProposalTransition,
            Proposal,
        ):
            out[model.__name__] = len((await db.exec(select(model))).all())
    return out
