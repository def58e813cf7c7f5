"""Initiatives: numbered documents compiled from passed proposals, addressed to a committee.

An initiative is made in one transaction with its number, its proposals and its first
revision; its number comes from a counter row per (prefix, year) bumped in that same
transaction, so a rolled-back compilation takes no number and the numbers have no gaps.

A proposal belongs to at most one live initiative: `InitiativeProposal.live_proposal_id`
repeats the proposal's id while the link is live and is NULL once released (a unique key on a
nullable column allows many NULLs on both databases). A joint initiative may take a proposal
whose initiative is only `delivered` or `failed` (nobody on the committee has started on it):
that initiative becomes `superseded` and its links are released in the same transaction. Any
other state is a 409.

A revision (J1: unique on (initiative_id, revision)) is one compilation of the document:
`compiling` with its progress, then `ready` or `failed` with the reason. Its documents are
rows of `initiative_documents`, one per format (unique on (revision_id, format)), so a
worker killed after rendering the PDF and before the DOCX re-renders only what is missing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field

INITIATIVE_TITLE_MAX = 300


class InitiativeStatus(StrEnum):
    COMPILING = "compiling"  # its current revision is being compiled
    FAILED = "failed"  # the compilation failed after its retries (reason on the revision)
    DELIVERED = "delivered"  # compiled, in the committee's inbox, not yet taken up
    IN_REVIEW = "in_review"  # the committee has started on it
    ADOPTED = "adopted"
    RETURNED = "returned"  # back to the networks' coordinators, with remarks
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # its proposals were taken into a joint initiative


# The states whose proposals a new joint initiative may take (this one becomes superseded).
SUPERSEDABLE = (InitiativeStatus.DELIVERED, InitiativeStatus.FAILED)


class RevisionStatus(StrEnum):
    COMPILING = "compiling"
    READY = "ready"
    FAILED = "failed"


class DocumentFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"


class InitiativeCounter(SQLModel, table=True):
    """The last number given per (prefix, year); bumped in the transaction that uses it."""

    __tablename__ = "initiative_counters"

    prefix: str = Field(max_length=20, primary_key=True)
    year: int = Field(primary_key=True)
    last: int = Field(default=0)


class Initiative(SQLModel, table=True):
    __tablename__ = "initiatives"
    __table_args__ = (
        UniqueConstraint("prefix", "year", "seq", name="uq_initiative_seq"),
        Index("ix_initiatives_committee_status", "committee_id", "status", "id"),
        CheckConstraint(check_in("status", tuple(InitiativeStatus)), name="ck_initiative_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)  # f"{prefix}-{year}-{seq}"
    prefix: str = Field(max_length=20)
    year: int
    seq: int
    # What made it, for idempotency: a job intent's key (`compile:proposal:42`) or a request's
    # `joint:<uuid>`; unique, so the same compile job run twice makes one initiative (J1).
    source_key: str = Field(max_length=120, unique=True)
    committee_id: int = Field(foreign_key="committees.id")
    title: str = Field(max_length=INITIATIVE_TITLE_MAX)
    status: str = Field(default=InitiativeStatus.COMPILING, max_length=20)
    language: str = Field(default="sr-Latn", max_length=10)  # hub.i18n language: script too
    current_revision: int = Field(default=1)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
    status_changed_at: dt.datetime = created_at_field()
    delivered_at: dt.datetime | None = time_field()  # first time a revision became ready
    superseded_by_id: int | None = Field(
        default=None, foreign_key="initiatives.id", ondelete="SET NULL"
    )


class InitiativeProposal(SQLModel, table=True):
    """A proposal an initiative was compiled from; `live_proposal_id` is set while it counts."""

    __tablename__ = "initiative_proposals"
    __table_args__ = (
        UniqueConstraint("initiative_id", "proposal_id", name="uq_initiative_proposal"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiatives.id", index=True, ondelete="CASCADE")
    proposal_id: int = Field(foreign_key="proposals.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)  # order in the document
    # = proposal_id while this link is live, NULL once released: one live initiative a proposal.
    live_proposal_id: int | None = Field(default=None, unique=True)


class InitiativeRevision(SQLModel, table=True):
    __tablename__ = "initiative_revisions"
    __table_args__ = (
        UniqueConstraint("initiative_id", "revision", name="uq_initiative_revision"),
        CheckConstraint(check_in("status", tuple(RevisionStatus)), name="ck_revision_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiatives.id", index=True, ondelete="CASCADE")
    revision: int
    previous_id: int | None = Field(
        default=None, foreign_key="initiative_revisions.id", ondelete="SET NULL"
    )
    status: str = Field(default=RevisionStatus.COMPILING, max_length=20)
    progress: int = Field(default=0)  # percent
    step: str = Field(default="", max_length=40)  # the step under way (a word, not a sentence)
    language: str = Field(default="sr-Latn", max_length=10)
    job_key: str = Field(default="", max_length=120)  # the job intent that compiles it
    attempts: int = Field(default=0)
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
    # A worker's claim: a compile runs only while it holds it; a claim whose heartbeat is older
    # than the job's timeout is taken over by the next run (J2).
    claimed_by: str = Field(default="", max_length=60)
    heartbeat_at: dt.datetime | None = time_field()
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
    finished_at: dt.datetime | None = time_field()


class InitiativeDocument(SQLModel, table=True):
    """One compiled format of a revision, kept in the database (a few hundred kB at most)."""

    __tablename__ = "initiative_documents"
    __table_args__ = (
        UniqueConstraint("revision_id", "format", name="uq_initiative_document"),
        CheckConstraint(check_in("format", tuple(DocumentFormat)), name="ck_document_format"),
    )

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="initiative_revisions.id", ondelete="CASCADE")
    format: str = Field(max_length=10)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int = Field(default=0)
    created_at: dt.datetime = created_at_field()


class KeyPost(SQLModel, table=True):
    """A post a coordinator marked as key to a proposal's discussion (quoted in the digest)."""

    __tablename__ = "key_posts"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", unique=True, ondelete="CASCADE")
    marked_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    marked_at: dt.datetime = created_at_field()
