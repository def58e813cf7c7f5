"""Uploads never attached to a post are removed a day after upload (S11), rows and files.

Run by the worker's hourly job. Safe on two workers at once: each row is taken by one
conditional DELETE, and a file already gone is no error. An upload attached meanwhile stays
(the DELETE and claim_uploads' UPDATE both test `post_id IS NULL`, so one of them wins).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import col, select

from hub.actions.context import SYSTEM, Context
from hub.actions.errors import N_, Forbidden
from hub.db import utcnow
from hub.models import Attachment
from hub.reads.attachments import storage_dir, stored_path

KEEP_UNATTACHED = dt.timedelta(days=1)
BATCH = 500


async def do_remove_stale_uploads(ctx: Context, *, now: dt.datetime | None = None) -> list[Path]:
    """Delete up to BATCH rows of uploads older than a day and still unattached; their files,
    to remove once the transaction has committed (a rolled-back delete keeps its files)."""
    if ctx.principal is not SYSTEM:
        raise Forbidden(N_("You are not allowed to do that."))
    cutoff = (now or utcnow()) - KEEP_UNATTACHED
    stale = (
        select(Attachment.id)
        .where(col(Attachment.post_id).is_(None), col(Attachment.created_at) < cutoff)
        .order_by(col(Attachment.id))
        .limit(BATCH)
    )
    removed = await ctx.db.exec(
        delete(Attachment)
        .where(col(Attachment.id).in_(stale), col(Attachment.post_id).is_(None))
        .returning(col(Attachment.stored_name))
    )
    names = [row[0] for row in removed.all()]
    if names:
        ctx.audit("attachments.stale_removed", count=len(names))
    return [stored_path(ctx, name) for name in names]


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def remove_abandoned_parts(ctx: Context, *, now: float | None = None) -> int:
    """Remove half-written uploads (`.part` files) a crash left behind more than a day ago."""
    cutoff = (now or time.time()) - KEEP_UNATTACHED.total_seconds()
    removed = 0
    for part in storage_dir(ctx).glob("*/*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:  # another worker was first
            continue
    return removed
