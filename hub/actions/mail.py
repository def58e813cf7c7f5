"""Mail: a row in the outbox table (the durable intent) and a job to deliver it; delivering
it once (the job is idempotent); handing lost jobs back to the queue."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import update
from sqlmodel import col, select

from hub import mail
from hub.actions.context import Context
from hub.db import utcnow
from hub.models import MailMessage
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.actions.mail")
MAX_TRIES = 5


class TryAgain(Exception):
    """Sending failed and tries are left: the job runs again after `defer` seconds."""

    def __init__(self, defer: int) -> None:
        super().__init__(defer)
        self.defer = defer


async def do_queue_mail(ctx: Context, *, to: str, subject: str, body: str) -> MailMessage:
    return await do_queue_mail_with(ctx, to=to, subject=subject, body=body, headers={})


async def do_queue_mail_with(
    ctx: Context, *, to: str, subject: str, body: str, headers: dict[str, str]
) -> MailMessage:
    """A mail with extra headers (a notification's List-Unsubscribe)."""
    message = MailMessage(to_addr=to, subject=subject, body=body, headers=headers)
    ctx.db.add(message)
    await ctx.db.flush()
    ctx.enqueue("deliver_mail", f"mail:{message.id}", message.id)
    return message


async def deliver(runtime: Runtime, message_id: int, *, try_number: int) -> str:
    """Send one queued mail: "sent", "skipped" (sent by an earlier run) or "failed" (for good);
    raises TryAgain while tries are left."""
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
            status = "failed" if try_number >= MAX_TRIES else "pending"
            await db.exec(
                update(MailMessage)
                .where(col(MailMessage.id) == message_id)
                .values(attempts=try_number, last_error=str(exc)[:500], status=status)
            )
            await db.commit()
            log.warning(
                "mail %s to %s failed (try %s): %s", message_id, message.to_addr, try_number, exc
            )
            if status == "failed":
                return "failed"
            raise TryAgain(defer=try_number * 30) from exc
        # Conditional update: if two runs raced, only one marks it sent.
        await db.exec(
            update(MailMessage)
            .where(col(MailMessage.id) == message_id, col(MailMessage.status) == "pending")
            .values(status="sent", sent_at=utcnow(), attempts=MailMessage.attempts + 1)
        )
        await db.commit()
        return "sent"


async def requeue_lost(runtime: Runtime) -> int:
    """Hand the queue again every mail pending for over a minute (its job was lost, e.g. Redis
    was flushed); the job id makes a job still queued the same one."""
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
