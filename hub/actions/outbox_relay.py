"""Relay events whose publication after commit did not happen (the process died, Redis was away,
or it had no publisher: the CLI writes its events to the outbox and leaves them to the relay job,
workers/events.py).

The outbox row was committed with the change; publishing it twice is harmless because the bus
drops an event whose uid it has seen.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import col, select

from hub.db import utcnow
from hub.events import Event, Publisher
from hub.models import EventOutbox
from hub.plumbing.runtime import Runtime

GRACE = dt.timedelta(seconds=2)  # leave fresh rows to the process that wrote them
BATCH = 500


async def relay_outbox(runtime: Runtime, publish: Publisher) -> int:
    """Publish the oldest waiting events with `publish`, then delete their rows; how many."""
    async with runtime.sessionmaker() as db:
        rows = await db.exec(
            select(EventOutbox)
            .where(col(EventOutbox.created_at) < utcnow() - GRACE)
            .order_by(col(EventOutbox.id))
            .limit(BATCH)
        )
        pending = list(rows.all())
        if not pending:
            return 0
        await publish(
            [
                Event(
                    channel=r.channel,
                    type=r.type,
                    data=r.data,
                    audience=tuple(r.audience),
                    uid=r.uid,
                )
                for r in pending
            ]
        )
        await db.exec(delete(EventOutbox).where(col(EventOutbox.id).in_([r.id for r in pending])))
        await db.commit()
    return len(pending)
