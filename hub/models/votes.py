"""A proposal's vote: its rules, its frozen electorate, the ballots and the frozen result.

The rules (closing time, quorum, threshold, counting, ballot) and the electorate (who may vote,
with the local government each belonged to at that moment) are written when the vote opens and
never change (V3). One ballot per (vote, voter), kept by a unique key (V1); changing a choice is
an upsert of that row, so a tally counts current choices only (V2). The vote's `status` moves
from `open` to `closed` by one conditional UPDATE, and a ballot is accepted only while its
transaction holds the vote row in `open` (V4); the result columns are written by the same
UPDATE that closes it and never again.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field

REASON_MAX = 1_000  # the optional reason given with a choice


class Counting(StrEnum):
    MEMBER = "member"  # every member of the electorate has one vote
    MUNICIPALITY = "municipality"  # one local government, one vote: its members' majority


class BallotKind(StrEnum):
    OPEN = "open"  # who voted what is shown
    SECRET = "secret"  # noqa: S105 (a ballot kind) only totals (after the close) and who has voted (V5)


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class VoteStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class VoteResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class Vote(SQLModel, table=True):
    """The vote on one proposal (at most one: a proposal is voted on once)."""

    __tablename__ = "votes"
    __table_args__ = (
        Index("ix_votes_status_closes_at", "status", "closes_at"),
        CheckConstraint(check_in("status", tuple(VoteStatus)), name="ck_vote_status"),
        CheckConstraint(check_in("counting", tuple(Counting)), name="ck_vote_counting"),
        CheckConstraint(check_in("ballot", tuple(BallotKind)), name="ck_vote_ballot"),
        CheckConstraint("quorum >= 0 AND quorum <= 100", name="ck_vote_quorum"),
        CheckConstraint("threshold >= 50 AND threshold <= 100", name="ck_vote_threshold"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals.id", unique=True, ondelete="CASCADE")
    # The rules, fixed at opening.
    closes_at: dt.datetime = time_field(nullable=False)
    quorum: int  # percent of the electorate (members or local governments) that must take part
    threshold: int  # percent of yes among yes + no needed, and more yes than no
    counting: str = Field(default=Counting.MEMBER, max_length=20)
    ballot: str = Field(default=BallotKind.OPEN, max_length=10)
    opened_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    opened_at: dt.datetime = created_at_field()
    electorate_size: int = 0  # members, or local governments when counting per municipality
    status: str = Field(default=VoteStatus.OPEN, max_length=10)
    # Raised by every accepted ballot: a cheap "has the tally changed" for pages and events.
    ballots_version: int = Field(default=0)
    # The frozen result, written by the closing UPDATE.
    closed_at: dt.datetime | None = time_field()
    closed_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    result: str | None = Field(default=None, max_length=10)
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    turnout: int | None = None  # members (or local governments) that took part


class VoteElector(SQLModel, table=True):
    """One member of a vote's electorate, as it was when the vote opened."""

    __tablename__ = "vote_electors"
    __table_args__ = (UniqueConstraint("vote_id", "user_id", name="uq_vote_elector"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="votes.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    # The local government the member belonged to at opening (counting per municipality).
    municipality_id: int | None = Field(
        default=None, foreign_key="municipalities.id", ondelete="SET NULL"
    )


class VoteBallot(SQLModel, table=True):
    """A voter's current choice. Secret ballots: `choice` never leaves the tally (V5)."""

    __tablename__ = "vote_ballots"
    __table_args__ = (
        UniqueConstraint("vote_id", "voter_id", name="uq_vote_ballot"),
        CheckConstraint(check_in("choice", tuple(Choice)), name="ck_vote_ballot_choice"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="votes.id", index=True, ondelete="CASCADE")
    voter_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    choice: str = Field(max_length=10)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    cast_at: dt.datetime = created_at_field()  # first cast
    changed_at: dt.datetime = created_at_field()  # last change
    changes: int = Field(default=0)
