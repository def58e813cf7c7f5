"""hub.plumbing.gc_policy: `hub serve` freezes its startup heap and runs full collections on
a schedule."""

from __future__ import annotations

import asyncio
import gc
import weakref

from prometheus_client import REGISTRY

from hub.plumbing import gc_policy


def full_collections() -> float:
    return REGISTRY.get_sample_value("hub_gc_full_collection_seconds_count") or 0.0


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


async def test_scheduled_takes_over_full_collections_and_gives_them_back() -> None:
    before = gc.get_threshold()
    async with gc_policy.scheduled(every=3600):
        assert gc.get_freeze_count() > 0  # what was built before is never scanned again
        assert gc.get_threshold()[:2] == before[:2]  # young collections as they were
        assert gc.get_threshold()[2] == gc_policy.NEVER  # full ones on the schedule only
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_a_scheduled_collection_frees_cycles_and_is_measured() -> None:
    async with gc_policy.scheduled(every=3600):
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        alive = weakref.ref(a)
        del a, b
        counted = full_collections()
        pause = gc_policy.collect_fully()
        assert alive() is None
        assert pause >= 0
        assert full_collections() == counted + 1


async def test_the_schedule_runs() -> None:
    counted = full_collections()
    async with gc_policy.scheduled(every=0.01):
        for _ in range(500):  # wait for the condition, with a bound
            if full_collections() > counted:
                break
            await asyncio.sleep(0.01)
    assert full_collections() > counted
