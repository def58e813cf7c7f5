"""Work recorded in the database so it survives losing Redis (J5): outgoing mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from hub.models.base import check_in, created_at_field, time_field

MAIL_STATUSES = ("pending", "sent", "failed")


class MailMessage(SQLModel, table=True):
    __tablename__ = "mail_outbox"
    __table_args__ = (CheckConstraint(check_in("status", MAIL_STATUSES), name="ck_mail_status"),)

    id: int | None = Field(default=None, primary_key=True)
    to_addr: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=10, index=True)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    created_at: dt.datetime = created_at_field()
    sent_at: dt.datetime | None = time_field()


class EventOutbox(SQLModel, table=True):
    """Events written in the transaction of the change they announce, then relayed to Redis.

    A row lives from commit until its event is in the channel's stream; if the process dies in
    between, the relay (workers/events.py) publishes it, and the stream's de-duplication by
    `uid` makes a second publication of the same row harmless.
    """

    __tablename__ = "event_outbox"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=40, unique=True)
    channel: str = Field(max_length=120)
    type: str = Field(max_length=60)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audience: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = created_at_field()
