"""Notifications: what concerns a person, one row per person and cause (N1), read in the app or
mailed once (N2); and each person's notification settings."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field


class NotificationKind(StrEnum):
    MENTIONED = "mentioned"
    REPLY = "reply"  # to my post, or in my thread
    PROPOSAL_SUBMITTED = "proposal_submitted"  # a new proposal in my network
    PROPOSAL_REVIEWED = "proposal_reviewed"  # mine: approved, changes requested, rejected, merged
    COAUTHOR_INVITED = "coauthor_invited"
    VOTE_OPENED = "vote_opened"
    VOTE_CLOSING = "vote_closing"  # within 24 hours, and I have not voted
    VOTE_RESULT = "vote_result"
    INITIATIVE_DELIVERED = "initiative_delivered"  # to my committee
    INITIATIVE_DECISION = "initiative_decision"
    INITIATIVE_FOLLOW_UP = "initiative_follow_up"
    COMPILE_FAILED = "compile_failed"  # to the coordinators


class Notification(SQLModel, table=True):
    """`source_id` is the cause (a post, a transition, a vote, a decision): with the kind and
    the person it is unique, so a retried or repeated cause notifies once. `target` names what
    it is about ("thread:42", "proposal:7", "initiative:3"): reading that marks it read."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "source_id", name="uq_notification"),
        CheckConstraint(check_in("kind", tuple(NotificationKind)), name="ck_notification_kind"),
        Index("ix_notifications_user", "user_id", "id"),
        Index("ix_notifications_target", "user_id", "target"),
        Index("ix_notifications_unmailed", "mailed_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=30)
    source_id: int
    target: str = Field(max_length=60)
    url: str = Field(max_length=300)
    title: str = Field(max_length=300)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    network_id: int | None = Field(default=None, foreign_key="networks.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
    read_at: dt.datetime | None = time_field()
    mailed_at: dt.datetime | None = time_field()


class NotificationPrefs(SQLModel, table=True):
    """A person's choices; no row means the defaults of hub.actions.notifications."""

    __tablename__ = "notification_prefs"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", unique=True)
    email: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    networks: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    digest: str = Field(default="weekly", max_length=10)
    updated_at: dt.datetime = created_at_field()


class DigestSent(SQLModel, table=True):
    """One row per person and digest period, claimed (inserted) in the transaction that queues
    the digest's mail: the unique key makes it at most once, whichever worker runs it. A period
    with nothing to tell is claimed too (`items` 0, no mail), so it is looked at once."""

    __tablename__ = "digests_sent"
    __table_args__ = (
        UniqueConstraint("user_id", "period_start", name="uq_digest_period"),
        CheckConstraint(check_in("period", ("daily", "weekly")), name="ck_digest_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    period: str = Field(max_length=10)
    period_start: dt.datetime = time_field(nullable=False)
    sent_at: dt.datetime = time_field(nullable=False)
    items: int = 0
