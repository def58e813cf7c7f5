"""Work kept in the database so it survives losing Redis (J5): mail, events, job intents."""

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
    # Extra headers (List-Unsubscribe, List-Unsubscribe-Post for notifications: RFC 8058).
    headers: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
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


JOB_INTENT_STATUSES = ("pending", "running", "done", "failed")


class JobIntent(SQLModel, table=True):
    """The intent to run a background job, written with the change that needs it (J5).

    `key` is the job's deterministic id (J4), e.g. `compile:proposal:42`: enqueueing uses it as
    arq's job id, so the same intent enqueued twice is one job. A reconciler cron re-enqueues
    intents still `pending` (or `running` without progress) after a while, so losing Redis'
    data loses no work. The job itself marks the intent `done`, or `failed` with the reason
    after its bounded retries (J3).
    """

    __tablename__ = "job_intents"
    __table_args__ = (
        CheckConstraint(check_in("status", JOB_INTENT_STATUSES), name="ck_job_intent_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    kind: str = Field(max_length=40)  # "compile" for the initiatives' compiler
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=10, index=True)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = created_at_field()
    enqueued_at: dt.datetime | None = time_field()  # last handed to arq
    finished_at: dt.datetime | None = time_field()
