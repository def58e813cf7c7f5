"""The committee's work on an initiative: its discussion, the chair's decisions and, after
adoption, the follow-ups (sent to a ministry, answered, regulation changed).

A decision is about one revision of the initiative: (initiative_id, revision) is unique, so a
revision is decided once whatever races; a returned initiative recompiled as revision 2 is
decided anew. The initiative's own status (hub.models.initiatives) is moved by the same
transaction with a conditional UPDATE.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field

COMMENT_MAX = 10_000
DECISION_NOTE_MAX = 4_000
UPDATE_NOTE_MAX = 2_000


class Decision(StrEnum):
    ADOPT = "adopt"
    RETURN = "return"  # back to the networks' coordinators, with remarks
    REJECT = "reject"


class FollowUpKind(StrEnum):
    SENT = "sent"  # sent on to a ministry, the government, parliament
    ANSWERED = "answered"  # an answer came back
    REGULATION_CHANGED = "regulation_changed"  # the law or by-law was changed
    OTHER = "other"


class InitiativeComment(SQLModel, table=True):
    """A committee member's comment; `html` is its Markdown rendered and sanitised."""

    __tablename__ = "initiative_comments"
    __table_args__ = (Index("ix_initiative_comments_initiative", "initiative_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = created_at_field()


class InitiativeDecision(SQLModel, table=True):
    __tablename__ = "initiative_decisions"
    __table_args__ = (
        UniqueConstraint("initiative_id", "revision", name="uq_initiative_decision"),
        CheckConstraint(check_in("decision", tuple(Decision)), name="ck_initiative_decision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiatives.id", index=True, ondelete="CASCADE")
    revision: int
    decision: str = Field(max_length=10)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    at: dt.datetime = created_at_field()


class InitiativeFollowUp(SQLModel, table=True):
    """What became of an adopted initiative; `date` is when it happened (given by the chair)."""

    __tablename__ = "initiative_follow_ups"
    __table_args__ = (
        Index("ix_initiative_follow_ups_initiative", "initiative_id", "date", "id"),
        CheckConstraint(check_in("kind", tuple(FollowUpKind)), name="ck_initiative_follow_up"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiatives.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    date: dt.date = Field(sa_column=Column(Date, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
