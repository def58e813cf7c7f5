"""Files attached to posts, stored under HUB_DATA_DIR/attachments with generated names."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from hub.models.base import created_at_field


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int | None = Field(default=None, foreign_key="posts.id", index=True)
    uploader_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    filename: str = Field(max_length=200)  # the uploader's name for it, cleaned
    stored_name: str = Field(max_length=80, unique=True)  # random; never derived from input
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: dt.datetime = created_at_field()
