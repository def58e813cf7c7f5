"""Threads and posts of a network's board."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow
from hub.models.base import created_at_field, time_field


class Thread(SQLModel, table=True):
    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_board", "network_id", "pinned", "last_activity_at"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(foreign_key="networks.id", index=True)
    title: str = Field(max_length=200)
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    pinned: bool = Field(default=False)
    locked: bool = Field(default=False)
    post_count: int = Field(default=0)
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
    deleted_at: dt.datetime | None = time_field()
