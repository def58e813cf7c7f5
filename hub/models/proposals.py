"""Proposals: the structured text, its authors, its edit history and its timeline of states.

The states and the moves between them are in hub.actions.proposal_states (one table); the
database keeps the state column to the known values and the actions change it only with a
conditional UPDATE, so two coordinators acting at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field

TITLE_MAX = 200
SUMMARY_MAX = 1_000
TEXT_MAX = 10_000  # problem, solution, impact
LEGAL_ACT_MAX = 300  # the law or by-law
LEGAL_ARTICLE_MAX = 100  # "član 12, stav 3"
NOTE_MAX = 2_000  # a coordinator's note or reason, an author's reason to withdraw


class ProposalStatus(StrEnum):
    DRAFT = "draft"  # only its authors see it
    SUBMITTED = "submitted"  # waiting for the coordinator's review
    CHANGES_REQUESTED = "changes_requested"  # back with the authors, with a note
    APPROVED = "approved"  # ready for a vote
    REJECTED = "rejected"
    MERGED = "merged"  # a duplicate, folded into another proposal (merged_into_id)
    VOTING = "voting"
    PASSED = "passed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # by its authors, before a vote


class AuthorRole(StrEnum):
    AUTHOR = "author"  # who created it
    COAUTHOR = "coauthor"  # invited; a co-author only once accepted_at is set


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_network_status", "network_id", "status", "id"),
        CheckConstraint(check_in("status", tuple(ProposalStatus)), name="ck_proposal_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="networks.id")
    # Its own discussion thread on the network's board, made when it is first submitted (a
    # thread on the board would show a draft to everyone).
    thread_id: int | None = Field(default=None, foreign_key="threads.id", unique=True)
    title: str = Field(max_length=TITLE_MAX)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    problem: str = Field(sa_column=Column(Text, nullable=False))
    solution: str = Field(sa_column=Column(Text, nullable=False))
    legal_act: str = Field(max_length=LEGAL_ACT_MAX)
    legal_article: str = Field(default="", max_length=LEGAL_ARTICLE_MAX)
    impact: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=ProposalStatus.DRAFT, max_length=20)
    # Raised by every edit; an edit names the version it started from (a conditional update).
    version: int = Field(default=1)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()  # the text last changed
    status_changed_at: dt.datetime = created_at_field()
    # Set at the first submission: from then on the network's readers see it, whatever follows.
    submitted_at: dt.datetime | None = time_field()
    merged_into_id: int | None = Field(default=None, foreign_key="proposals.id", index=True)


class ProposalAuthor(SQLModel, table=True):
    """An author or an invited co-author. `via_proposal_id`: came with a merged duplicate."""

    __tablename__ = "proposal_authors"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id", name="uq_proposal_author"),
        CheckConstraint(check_in("role", tuple(AuthorRole)), name="ck_proposal_author_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(default=AuthorRole.COAUTHOR, max_length=20)
    invited_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    invited_at: dt.datetime = created_at_field()
    accepted_at: dt.datetime | None = time_field()
    via_proposal_id: int | None = Field(
        default=None, foreign_key="proposals.id", ondelete="SET NULL"
    )


class ProposalRevision(SQLModel, table=True):
    """An earlier version of a proposal's text, kept when it is edited."""

    __tablename__ = "proposal_revisions"
    __table_args__ = (UniqueConstraint("proposal_id", "version", name="uq_proposal_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals.id", index=True, ondelete="CASCADE")
    version: int
    title: str = Field(max_length=TITLE_MAX)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    problem: str = Field(sa_column=Column(Text, nullable=False))
    solution: str = Field(sa_column=Column(Text, nullable=False))
    legal_act: str = Field(max_length=LEGAL_ACT_MAX)
    legal_article: str = Field(default="", max_length=LEGAL_ARTICLE_MAX)
    impact: str = Field(sa_column=Column(Text, nullable=False))
    written_at: dt.datetime = time_field(nullable=False)  # when this version was written
    replaced_at: dt.datetime = created_at_field()
    editor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class ProposalTransition(SQLModel, table=True):
    """One step of a proposal's timeline: who moved it from what to what, and why."""

    __tablename__ = "proposal_transitions"
    __table_args__ = (Index("ix_proposal_transitions_proposal", "proposal_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals.id", ondelete="CASCADE")
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: dt.datetime = created_at_field()
