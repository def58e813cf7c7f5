"""What readers do with posts: reactions, flags, read markers and mentions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field


class ReactionKind(StrEnum):
    THUMBS_UP = "thumbs_up"
    HEART = "heart"
    CELEBRATE = "celebrate"
    THINKING = "thinking"
    EYES = "eyes"


REACTION_EMOJI = {
    ReactionKind.THUMBS_UP: "👍",
    ReactionKind.HEART: "❤️",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.THINKING: "🤔",
    ReactionKind.EYES: "👀",
}


class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", "kind", name="uq_reaction"),
        CheckConstraint(check_in("kind", tuple(ReactionKind)), name="ck_reaction_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)
    created_at: dt.datetime = created_at_field()


class Flag(SQLModel, table=True):
    """A member's report of a post, once per member and post."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_flag"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    reason: str = Field(max_length=500)
    created_at: dt.datetime = created_at_field()
    resolved_at: dt.datetime | None = time_field()
    resolved_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decision: str = Field(default="", max_length=20)  # "kept" or "hidden"


class ThreadRead(SQLModel, table=True):
    """How far a user has read a thread."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("thread_id", "user_id", name="uq_thread_read"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="threads.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    last_read_post_id: int = Field(default=0)
    seen_count: int = Field(default=0)  # the thread's post_count when last read to the end
    read_at: dt.datetime = created_at_field()


class Mention(SQLModel, table=True):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_mention"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: dt.datetime = created_at_field()


__all__ = [
    "REACTION_EMOJI",
    "Flag",
    "Mention",
    "Reaction",
    "ReactionKind",
    "ThreadRead",
    "check_in",
]
