"""Clearing the outbox rows of published events, in batches in a serving process.

An action's events are written to the outbox in its transaction, published after its commit,
and then their rows can go. Deleting them at once is one more write transaction per action (on
SQLite, one more turn at the single write lock, per post). In `hub serve` the rows are handed
to a sweeper instead, which deletes every row handed to it since its last sweep in one
statement, every `EVERY` seconds: well within the relay's grace (outbox_relay.GRACE), so the
relay does not take a published row for a lost one. A row that could not be deleted (the
database away) is published again by the relay, and the stream drops it as a duplicate: the
same harmless outcome as a failed immediate clear. Other processes (the worker, the CLI) clear
at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import bindparam, delete
from sqlmodel import col

from hub.models import EventOutbox
from hub.plumbing import periodic
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.outbox")

EVERY = 0.25  # seconds between sweeps; the relay leaves rows alone for 2 s
SWEEPER = "outbox_sweeper"  # its key in Runtime.extras

_CLEAR = delete(EventOutbox).where(col(EventOutbox.uid).in_(bindparam("uids", expanding=True)))


async def clear_outbox(runtime: Runtime, uids: list[str]) -> None:
    """The events are on the bus: their rows go, in a transaction of a bare connection."""
    try:  # one statement: on PostgreSQL no BEGIN and COMMIT around it
        async with runtime.autocommit_engine.begin() as conn:
            await conn.execute(_CLEAR, {"uids": uids})
    except Exception:  # harmless: the relay publishes them again and the stream drops duplicates
        log.exception("clearing the event outbox failed")


class OutboxSweeper:
    """The uids of published events whose rows are still to be deleted."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.pending: list[str] = []

    def add(self, uids: list[str]) -> None:
        self.pending.extend(uids)

    async def sweep(self) -> int:
        """Delete the rows handed over since the last sweep, in one statement; how many."""
        uids, self.pending = self.pending, []
        if uids:
            await clear_outbox(self.runtime, uids)
        return len(uids)


async def cleared_after_publishing(runtime: Runtime, uids: list[str]) -> None:
    """What act() calls once an action's events are published: to the sweeper if the process
    runs one, else deleted now."""
    sweeper: OutboxSweeper | None = runtime.extras.get(SWEEPER)
    if sweeper is None:
        await clear_outbox(runtime, uids)
    else:
        sweeper.add(uids)


@contextlib.asynccontextmanager
async def sweeping(runtime: Runtime, every: float = EVERY) -> AsyncIterator[OutboxSweeper]:
    """Run a sweeper for `runtime` while the block runs; what is pending at its end is swept."""
    sweeper = runtime.extras[SWEEPER] = OutboxSweeper(runtime)
    try:
        async with periodic.every(every, sweeper.sweep, name="outbox sweep", log=log):
            yield sweeper
    finally:
        runtime.extras.pop(SWEEPER, None)
        await sweeper.sweep()
