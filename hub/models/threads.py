"""Threads and posts of a network's board, and the history of edited posts."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow
from hub.models.base import check_in, created_at_field, time_field

TITLE_MAX = 200
BODY_MAX = 20_000


class ThreadKind(StrEnum):
    DISCUSSION = "discussion"
    PROPOSAL = "proposal"  # the discussion thread of a proposal


class Thread(SQLModel, table=True):
    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_board", "network_id", "pinned", "last_activity_at", "id"),
        CheckConstraint(check_in("kind", tuple(ThreadKind)), name="ck_thread_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="networks.id", index=True)
    title: str = Field(max_length=TITLE_MAX)
    kind: str = Field(default=ThreadKind.DISCUSSION, max_length=20)
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    pinned: bool = Field(default=False)
    locked: bool = Field(default=False)
    # Counts every post ever written, deleted ones included: a post keeps its place, so
    # "unread = post_count - seen_count" stays right without counting rows.
    post_count: int = Field(default=0)
    last_post_id: int | None = Field(default=None)
    last_author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
    last_activity_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Post(SQLModel, table=True):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread", "thread_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="threads.id")
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))  # rendered and sanitised on write
    reply_to_id: int | None = Field(default=None, foreign_key="posts.id")
    created_at: dt.datetime = created_at_field()
    edited_at: dt.datetime | None = time_field()
    edit_count: int = Field(default=0)
    deleted_at: dt.datetime | None = time_field()
    deleted_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # Hidden by a coordinator (with a reason) or automatically by flags until one decides.
    hidden_at: dt.datetime | None = time_field()
    hidden_reason: str = Field(default="", max_length=500)
    hidden_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    flag_count: int = Field(default=0)


class PostRevision(SQLModel, table=True):
    """An earlier version of a post, kept when it is edited or deleted."""

    __tablename__ = "post_revisions"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    written_at: dt.datetime = time_field(nullable=False)  # when this version was written
    replaced_at: dt.datetime = created_at_field()
    editor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
