"""hub.plumbing.gc_policy: `hub serve` freezes its startup heap and whatever grows old, and
collects fully only when the heap has grown."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import weakref

import pytest
from prometheus_client import REGISTRY

from hub.plumbing import gc_policy


def full_collections() -> float:
    return REGISTRY.get_sample_value("hub_gc_full_collection_seconds_count") or 0.0


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> tuple[Node, weakref.ref[Node]]:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: reference counting alone never frees it
    return a, weakref.ref(a)


async def test_scheduled_takes_over_full_collections_and_gives_them_back() -> None:
    before = gc.get_threshold()
    async with gc_policy.scheduled(every=3600):
        assert gc.get_freeze_count() > 0  # what was built before is never scanned again
        assert gc.get_threshold()[:2] == before[:2]  # young collections as they were
        assert gc.get_threshold()[2] == gc_policy.NEVER  # no automatic full ones
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert gc_policy._freeze_survivors not in gc.callbacks


async def test_what_survives_the_middle_generation_is_frozen_until_a_full_collection() -> None:
    async with gc_policy.scheduled(every=3600):
        kept, alive = cycle()
        gc.collect(0)
        frozen = gc.get_freeze_count()
        gc.collect(1)  # `kept` survives it: old now
        assert gc.get_freeze_count() > frozen
        del kept
        gc.collect(1)
        assert alive() is not None  # frozen: young collections no longer look at it
        counted = full_collections()
        pause = gc_policy.collect_fully()
        assert alive() is None
        assert pause >= 0
        assert full_collections() == counted + 1
        assert gc.get_freeze_count() > 0  # and what lives is frozen again


async def test_young_garbage_is_still_freed_young() -> None:
    async with gc_policy.scheduled(every=3600):
        alive = cycle()[1]  # the cycle is dropped at once
        gc.collect(0)
        assert alive() is None


async def test_a_full_collection_only_once_the_heap_has_grown() -> None:
    async with gc_policy.scheduled(every=3600, growth=1000.0) as watch:
        watch.quiet = float("inf")  # every interval quiet: the growth alone decides
        counted = full_collections()
        assert not watch.check()
        assert REGISTRY.get_sample_value("hub_gc_heap_growth") == pytest.approx(
            sys.getallocatedblocks() / watch.base, rel=0.05
        )
        assert full_collections() == counted
        grown = [[i] for i in range(200_000)]
        watch.growth = 1.2
        kept, alive = cycle()
        gc.collect(1)
        del kept
        assert watch.check()
        assert alive() is None
        assert full_collections() == counted + 1
        assert not watch.check()  # measured again from what the collection left
        del grown


def busy() -> None:
    """Use some CPU: the process clock moves on (its resolution is far below this)."""
    started = time.process_time()
    while time.process_time() == started:
        sum(range(1000))


async def test_a_due_collection_waits_for_a_quiet_moment_up_to_the_limit() -> None:
    async with gc_policy.scheduled(every=3600, growth=1000.0, limit=1000.0) as watch:
        grown = [[i] for i in range(200_000)]
        watch.growth = 1.2  # due
        watch.quiet = 0.0  # and any CPU used since the last check is "busy"
        counted = full_collections()
        busy()
        assert not watch.check()  # busy: it waits
        assert full_collections() == counted
        busy()
        watch.limit = 1.2  # but not past the limit
        assert watch.check()
        assert full_collections() == counted + 1
        more = [[i] for i in range(400_000)]
        watch.limit = 1000.0
        busy()
        assert not watch.check()  # due again, and busy
        watch.quiet = float("inf")  # whatever the checks themselves used: quiet
        assert watch.check()
        assert full_collections() == counted + 2
        del grown, more


async def test_a_stalled_process_is_not_quiet() -> None:
    """Little CPU with requests in flight is a process waiting (on a busy database, say), not
    a quiet one: its requests would wait out the pause too."""
    in_flight = [1]
    async with gc_policy.scheduled(every=3600, growth=1000.0, waiting=lambda: in_flight[0]) as w:
        grown = [[i] for i in range(200_000)]
        w.growth, w.quiet = 1.2, float("inf")  # due, and any CPU counts as quiet
        counted = full_collections()
        assert not w.check()
        assert full_collections() == counted
        in_flight[0] = 0
        assert w.check()
        assert full_collections() == counted + 1
        del grown


async def test_a_due_collection_waits_for_a_quiet_moment_only_so_long() -> None:
    async with gc_policy.scheduled(every=3600, growth=1000.0, limit=1000.0) as watch:
        grown = [[i] for i in range(200_000)]
        watch.growth, watch.quiet = 1.2, 0.0  # due, and never quiet
        counted = full_collections()
        busy()
        assert not watch.check()
        assert watch.due_since is not None
        busy()
        watch.max_wait = time.monotonic() - watch.due_since  # it has waited that long now
        assert watch.check()
        assert full_collections() == counted + 1
        assert watch.due_since is None
        del grown


async def test_the_schedule_runs() -> None:
    counted = full_collections()
    async with gc_policy.scheduled(every=0.01, growth=0.5):  # any heap has "grown"
        for _ in range(500):  # wait for the condition, with a bound
            if full_collections() > counted:
                break
            await asyncio.sleep(0.01)
    assert full_collections() > counted
