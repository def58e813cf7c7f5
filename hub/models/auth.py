"""Server-side sessions, API tokens and invitations. Only hashes of secrets are stored."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from hub.models.base import created_at_field, time_field


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: dt.datetime = created_at_field()
    last_seen_at: dt.datetime = created_at_field()
    expires_at: dt.datetime = time_field(nullable=False)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=100)
    created_at: dt.datetime = created_at_field()
    last_used_at: dt.datetime | None = time_field()
    revoked_at: dt.datetime | None = time_field()


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    name: str = Field(max_length=120)
    municipality_id: int | None = Field(default=None, foreign_key="municipalities.id")
    network_id: int | None = Field(default=None, foreign_key="networks.id", ondelete="SET NULL")
    network_role: str = Field(default="member", max_length=20)
    invited_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: dt.datetime = created_at_field()
    expires_at: dt.datetime = time_field(nullable=False)
    accepted_at: dt.datetime | None = time_field()
    revoked_at: dt.datetime | None = time_field()
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
