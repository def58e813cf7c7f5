"""Garbage collection for a long-running server that holds many sockets (docs/performance.md).

CPython's cyclic collector pauses the whole process while it scans. A young collection scans
only new objects and is quick; a full one scans every object the process holds: at a thousand
open WebSockets, some 350,000 of them, for about a quarter of a second. Left to itself,
CPython starts a full collection whenever enough objects have survived into the old
generation, and a busy server (each request's objects briefly alive across a young collection)
reaches that every few seconds: every event in flight then waits the pause out, which is what
decided the real-time layer's p99.

So `hub serve`:

- freezes what it built at start (modules, routes, configuration), which lives as
  long as the process: no collection ever scans it again;
- leaves young collections as they are (they find most cyclic garbage while it is young);
- runs full collections on a schedule, every `FULL_EVERY` seconds, instead of whenever the
  heuristic fires. Cyclic garbage that reached the old generation waits for the next one.

Each full collection's pause is logged when long and counted in the
`hub_gc_full_collection_seconds` histogram on /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator

from prometheus_client import Histogram

log = logging.getLogger("hub.gc")

FULL_EVERY = 60.0  # seconds between scheduled full collections
NEVER = 2**31 - 1  # a generation-2 threshold the counter never reaches
SLOW = 0.1  # seconds: a full collection longer than this is logged

FULL_PAUSE = Histogram(
    "hub_gc_full_collection_seconds",
    "Pause of the scheduled full garbage collections",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def collect_fully() -> float:
    """One full collection now; returns its pause in seconds."""
    started = time.perf_counter()
    found = gc.collect()
    pause = time.perf_counter() - started
    FULL_PAUSE.observe(pause)
    if pause > SLOW:
        log.warning(
            "full garbage collection paused the process",
            extra={"pause_ms": round(pause * 1000, 1), "collected": found},
        )
    return pause


@contextlib.asynccontextmanager
async def scheduled(every: float = FULL_EVERY) -> AsyncIterator[None]:
    """Freeze the startup heap and take over full collections while the block runs."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(before[0], before[1], NEVER)

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)  # a schedule, not synchronisation
            try:
                collect_fully()
            except Exception:  # e.g. a failing log handler: the schedule must go on
                log.exception("scheduled garbage collection failed")

    task = asyncio.create_task(loop(), name="gc-full-collections")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.set_threshold(*before)
        gc.unfreeze()
