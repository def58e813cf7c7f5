"""Deliver queued mail. The outbox row is the durable intent; the job is idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from arq import Retry
from sqlalchemy import update
from sqlmodel import col, select

from hub import mail
from hub.actions.digest import send_digests
from hub.actions.notify_mail import mail_due_notifications
from hub.db import utcnow
from hub.models import MailMessage
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.workers.mail")
MAX_TRIES = 5


async def deliver_mail(ctx: dict[str, Any], message_id: int) -> str:
    runtime: Runtime = ctx["runtime"]
    async with runtime.sessionmaker() as db:
        message = await db.get(MailMessage, message_id)
        if message is None or message.status != "pending":
            return "skipped"  # already sent by an earlier run of the same job
        msg = mail.build_message(
            runtime.settings, message.to_addr, message.subject, message.body, message.headers
        )
        try:
            await mail.send(runtime.settings, msg)
        except Exception as exc:
            tries = int(ctx.get("job_try", 1))
            status = "failed" if tries >= MAX_TRIES else "pending"
            await db.exec(
                update(MailMessage)
                .where(col(MailMessage.id) == message_id)
                .values(attempts=tries, last_error=str(exc)[:500], status=status)
            )
            await db.commit()
            log.warning(
                "mail %s to %s failed (try %s): %s", message_id, message.to_addr, tries, exc
            )
            if status == "failed":
                return "failed"
            raise Retry(defer=tries * 30) from exc
        # Conditional update: if two runs raced, only one marks it sent.
        await db.exec(
            update(MailMessage)
            .where(col(MailMessage.id) == message_id, col(MailMessage.status) == "pending")
            .values(status="sent", sent_at=utcnow(), attempts=MailMessage.attempts + 1)
        )
        await db.commit()
        return "sent"


async def reconcile_mail(ctx: dict[str, Any]) -> int:
    """Re-enqueue mail pending for over a minute (its job was lost, e.g. Redis was flushed)."""
    runtime: Runtime = ctx["runtime"]
    cutoff = utcnow() - dt.timedelta(minutes=1)
    async with runtime.sessionmaker() as db:
        rows = await db.exec(
            select(MailMessage.id).where(
                MailMessage.status == "pending", col(MailMessage.created_at) < cutoff
            )
        )
        ids = list(rows.all())
    for message_id in ids:
        await runtime.queue.enqueue_job("deliver_mail", message_id, _job_id=f"mail:{message_id}")
    return len(ids)


async def mail_notifications(ctx: dict[str, Any]) -> int:
    """Mail the notifications still unread after the delay (N2), once each."""
    runtime: Runtime = ctx["runtime"]
    # A worker's startup may hang a call on each committed claim (tests/kill_worker.py: a kill -9)
    return await mail_due_notifications(runtime, after_claim=ctx.get("after_claim"))


async def mail_digests(ctx: dict[str, Any]) -> int:
    """Queue the daily and weekly digests whose period has begun, once per person and period."""
    runtime: Runtime = ctx["runtime"]
    return await send_digests(runtime)
