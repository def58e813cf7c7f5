"""hub.actions.outbox_sweep: in a serving process the outbox rows of published events are
deleted in batches, within the relay's grace; elsewhere at once."""

from __future__ import annotations

from sqlmodel import select

from hub.actions import outbox_sweep
from hub.actions.context import act
from hub.actions.posts import do_reply
from hub.actions.threads import do_create_thread
from hub.models import EventOutbox
from hub.plumbing.runtime import Runtime
from tests.conftest import make_user
from tests.events import capture_events

NETWORK = "elektronska-uprava"


async def outbox(runtime: Runtime) -> set[str]:
    """The outbox's rows but those of the data set up before (written with no publisher)."""
    async with runtime.sessionmaker() as db:
        rows = set((await db.exec(select(EventOutbox.uid))).all())
    return rows - runtime.extras.get("test_unpublished", set())


async def member(runtime: Runtime) -> int:
    user_id = await make_user(runtime, "ana@example.org", networks={NETWORK: "member"})
    runtime.extras["test_unpublished"] = await outbox(runtime)
    return user_id


async def write_posts(runtime: Runtime, user_id: int, count: int) -> None:
    async with act(runtime, actor_id=user_id) as ctx:
        thread, _ = await do_create_thread(ctx, NETWORK, title="Tema", body="Prvi post.")
    for i in range(count):
        async with act(runtime, actor_id=user_id) as ctx:
            await do_reply(ctx, thread.id or 0, body=f"Odgovor {i}.")


async def test_published_rows_wait_for_one_sweep(seeded: Runtime) -> None:
    user_id = await member(seeded)
    with capture_events(seeded) as heard:
        async with outbox_sweep.sweeping(seeded, every=3600) as sweeper:  # no sweep on its own
            await write_posts(seeded, user_id, 3)
            published = {e.uid for e in heard}
            assert published and published <= await outbox(seeded)  # published, not yet cleared
            assert set(sweeper.pending) == published
            assert await sweeper.sweep() == len(published)  # one statement for all of them
            assert await outbox(seeded) == set()
            assert await sweeper.sweep() == 0
            await write_posts(seeded, user_id, 1)
            assert await outbox(seeded)
        assert await outbox(seeded) == set()  # swept on the way out
    assert outbox_sweep.SWEEPER not in seeded.extras


async def test_without_a_sweeper_rows_go_at_once(seeded: Runtime) -> None:
    user_id = await member(seeded)
    with capture_events(seeded) as heard:
        await write_posts(seeded, user_id, 2)
    assert heard
    assert await outbox(seeded) == set()


async def test_unpublished_events_stay_for_the_relay(seeded: Runtime) -> None:
    user_id = await member(seeded)

    async def failing(events: object) -> None:
        raise ConnectionError("Redis is away")

    seeded.publisher = failing
    async with outbox_sweep.sweeping(seeded, every=3600) as sweeper:
        await write_posts(seeded, user_id, 1)
        assert sweeper.pending == []
        assert await outbox(seeded)  # kept: the relay publishes them later
