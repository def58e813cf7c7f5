"""People who use the hub."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import CheckConstraint, Connection, event, select
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel, col

from hub.models.base import check_in, created_at_field, time_field

LANGUAGE_CODES = ("sr-Latn", "sr-Cyrl", "en")


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_in("language", LANGUAGE_CODES), name="ck_user_lang"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-cased
    # For @mentions: made from the e-mail address when the user is created (see below).
    handle: str | None = Field(default=None, max_length=60, unique=True)
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


_HANDLE_CHARS = re.compile(r"[^a-z0-9._-]+")


def handle_base(email: str) -> str:
    local = email.split("@", 1)[0].lower()
    return _HANDLE_CHARS.sub("", local).strip("._-")[:50] or "user"


@event.listens_for(User, "before_insert")
def _assign_handle(mapper: Mapper[User], connection: Connection, user: User) -> None:
    """Give every new user a unique @handle, whichever action created them."""
    if user.handle:
        return
    base = handle_base(user.email)
    taken = {
        row[0]
        for row in connection.execute(
            select(col(User.handle)).where(col(User.handle).like(f"{base}%"))
        )
    }
    user.handle = free_handle(base, taken)


def free_handle(base: str, taken: set[str | None]) -> str:
    """`base`, or `base2`, `base3`… : the first not in `taken`."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate
