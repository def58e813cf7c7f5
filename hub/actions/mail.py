"""Queue mail: a row in the outbox table (the durable intent) and a job to deliver it."""

from __future__ import annotations

from hub.actions.context import Context
from hub.models import MailMessage


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
