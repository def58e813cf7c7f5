"""Garbage collection for a long-running server that holds many sockets (docs/performance.md).

CPython's cyclic collector pauses the whole process while it scans. A young collection scans
only new objects and is quick; a full one scans every object the process holds: at a thousand
open WebSockets some 350,000 of them, a quarter of a second, and at five thousand about a
second. Left to itself, CPython starts a full collection whenever enough objects have survived
into the old generation, and a busy server reaches that every few seconds: every event in
flight then waits the pause out.

So `hub serve` keeps the old generation empty:

- it freezes what it built at start (modules, routes, configuration), and from then on, after
  every collection of the middle generation, whatever survived it: an object that has
  survived two young collections is old (a socket's state, a kept fragment), and no automatic
  collection scans it again. Young collections run as before and free most cyclic garbage
  while it is young; the pauses left are theirs, a few milliseconds.
- Cyclic garbage among frozen objects (a closed socket's last cycles, say) is not freed until
  the next full collection, which thaws everything first. One is due when the heap has grown to
  `GROWTH` times what the last full collection left (looked at every `CHECK_EVERY` seconds), and
  it waits for a quiet moment: a check interval in which the process used at most `QUIET` of a
  core and no request is in flight (a process stalled on a busy database uses little CPU, but
  its requests are waiting), which a process delivering events or answering requests never has.
  A process never quiet collects anyway `MAX_WAIT` seconds after one fell due, or at once when
  the heap has grown `LIMIT` times, so memory stays bounded: a burst of load (thousands of
  sockets opening, then an event to each) passes without a pause. Its pause grows with the heap,
  like CPython's own, but it comes when nobody is waiting on the process, not every few seconds
  or every minute.

Each full collection's pause is logged when long and counted in the
`hub_gc_full_collection_seconds` histogram on /metrics.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from prometheus_client import Gauge, Histogram

from hub.plumbing import periodic

log = logging.getLogger("hub.gc")

CHECK_EVERY = 2.0  # seconds between looks at the heap's size
GROWTH = 2.0  # a full collection is due when the heap is this many times its last size
LIMIT = 64.0  # and runs, quiet or not, at this many times (5,000 sockets: about 5 times)
MAX_WAIT = 600.0  # or once it has waited this many seconds for a quiet moment
QUIET = 0.05  # the share of a core a process uses at most in a quiet interval
NEVER = 2**31 - 1  # a generation-2 threshold the counter never reaches
SLOW = 0.1  # seconds: a full collection longer than this is logged

FULL_PAUSE = Histogram(
    "hub_gc_full_collection_seconds",
    "Pause of the full garbage collections (the frozen heap thawed and scanned)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


HEAP_GROWTH = Gauge(
    "hub_gc_heap_growth",
    "The heap's size (allocated memory blocks) as a multiple of what the last full collection left",
)


def collect_fully(reason: str = "asked") -> float:
    """One full collection now, of everything, frozen objects included, which are frozen
    again after; returns its pause in seconds. `reason` goes into the log line of a long one."""
    started = time.perf_counter()
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    pause = time.perf_counter() - started
    FULL_PAUSE.observe(pause)
    if pause > SLOW:
        log.warning(
            "full garbage collection paused the process for %.0f ms (%s)",
            pause * 1000,
            reason,
            extra={"pause_ms": round(pause * 1000, 1), "collected": found, "reason": reason},
        )
    return pause


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    """After a collection of the middle generation its survivors are old: freeze them (and
    the young generations, which that collection has just emptied)."""
    if phase == "stop" and info["generation"] == 1:
        gc.freeze()


class Watch:
    """The heap's size after the last full collection, and the check against it. The size is
    the interpreter's count of allocated memory blocks, which it keeps per memory pool
    (counting the frozen objects themselves would walk all of them, as slow as a collection).
    How busy the process was since the last check is the CPU it used meanwhile (all its
    threads), as a share of the time that passed."""

    def __init__(
        self,
        growth: float = GROWTH,
        limit: float = LIMIT,
        quiet: float = QUIET,
        max_wait: float = MAX_WAIT,
        waiting: Callable[[], int] = lambda: 0,
    ) -> None:
        self.growth, self.limit, self.quiet, self.max_wait = growth, limit, quiet, max_wait
        self.waiting = waiting  # how many requests are in flight
        self.base = sys.getallocatedblocks()
        self.cpu, self.since = time.process_time(), time.monotonic()
        self.due_since: float | None = None

    def check(self) -> bool:
        """A full collection if the heap has grown `growth` times and the last interval was
        quiet (or it has waited `max_wait` seconds for one), or it has grown `limit` times;
        whether one ran."""
        now, cpu = time.monotonic(), time.process_time()
        busy = (cpu - self.cpu) / max(now - self.since, 1e-3)
        self.cpu, self.since = cpu, now
        size = sys.getallocatedblocks()
        HEAP_GROWTH.set(size / self.base)
        if size <= self.base * self.growth:
            self.due_since = None
            return False
        if self.due_since is None:
            self.due_since = now
        waited = now - self.due_since
        if busy <= self.quiet and not self.waiting():
            reason = f"quiet: {busy:.0%} of a core, the heap {size / self.base:.1f} times"
        elif waited >= self.max_wait:
            reason = f"waited {waited:.0f} s for a quiet moment"
        elif size > self.base * self.limit:
            reason = f"the heap grown {size / self.base:.1f} times"
        else:
            return False  # due, but something is waiting on the process: at a quiet moment
        collect_fully(reason)
        self.base = sys.getallocatedblocks()
        self.cpu, self.since = time.process_time(), time.monotonic()
        self.due_since = None
        return True


@contextlib.asynccontextmanager
async def scheduled(
    every: float = CHECK_EVERY,
    growth: float = GROWTH,
    limit: float = LIMIT,
    waiting: Callable[[], int] = lambda: 0,
) -> AsyncIterator[Watch]:
    """Freeze the startup heap and what grows old while the block runs; collect fully only
    when the heap has grown `growth` times and the process is quiet, or `limit` times
    (looked at every `every` seconds)."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(before[0], before[1], NEVER)
    gc.callbacks.append(_freeze_survivors)
    watch = Watch(growth, limit, waiting=waiting)

    async def check() -> None:
        watch.check()

    try:
        async with periodic.every(every, check, name="scheduled garbage collection", log=log):
            yield watch
    finally:
        gc.callbacks.remove(_freeze_survivors)
        gc.set_threshold(*before)
        gc.unfreeze()
