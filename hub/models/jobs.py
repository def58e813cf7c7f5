"""Work recorded in the database so it survives losing Redis (J5): outgoing mail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Text
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
