"""The mail jobs: deliver queued mail, hand lost jobs back, mail notifications and digests.
Each calls its action (hub.actions.mail, notify_mail, digest); the outbox row is the durable
intent and delivering is idempotent."""

from __future__ import annotations

from typing import Any

from arq import Retry

from hub.actions.digest import send_digests
from hub.actions.mail import MAX_TRIES, TryAgain, deliver, requeue_lost
from hub.actions.notify_mail import mail_due_notifications
from hub.plumbing.runtime import Runtime

__all__ = ["MAX_TRIES", "deliver_mail", "mail_digests", "mail_notifications", "reconcile_mail"]


async def deliver_mail(ctx: dict[str, Any], message_id: int) -> str:
    runtime: Runtime = ctx["runtime"]
    try:
        return await deliver(runtime, message_id, try_number=int(ctx.get("job_try", 1)))
    except TryAgain as again:
        raise Retry(defer=again.defer) from again


async def reconcile_mail(ctx: dict[str, Any]) -> int:
    """Re-enqueue mail pending for over a minute (its job was lost, e.g. Redis was flushed)."""
    return await requeue_lost(ctx["runtime"])


async def mail_notifications(ctx: dict[str, Any]) -> int:
    """Mail the notifications still unread after the delay (N2), once each."""
    runtime: Runtime = ctx["runtime"]
    # A worker's startup may hang a call on each committed claim (tests/kill_worker.py: a kill -9)
    return await mail_due_notifications(runtime, after_claim=ctx.get("after_claim"))


async def mail_digests(ctx: dict[str, Any]) -> int:
    """Queue the daily and weekly digests whose period has begun, once per person and period."""
    runtime: Runtime = ctx["runtime"]
    return await send_digests(runtime)
