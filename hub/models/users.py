"""People who use the hub."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field

LANGUAGE_CODES = ("sr-Latn", "sr-Cyrl", "en")


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_in("language", LANGUAGE_CODES), name="ck_user_lang"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-cased
    name: str = Field(max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    # None: the person works for the association itself.
    municipality_id: int | None = Field(default=None, foreign_key="municipalities.id", index=True)
    title: str = Field(default="", max_length=200)
    is_admin: bool = Field(default=False)
    is_active: bool = Field(default=True)
    language: str = Field(default="sr-Latn", max_length=10)
    created_at: dt.datetime = created_at_field()
    last_login_at: dt.datetime | None = time_field()
