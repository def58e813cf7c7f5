"""The seed: the association's committees, networks and local governments, loaded idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from hub.actions.bodies import do_update_network
from hub.actions.context import act
from hub.actions.seed import DEMO_ADMIN, SeedReport, do_seed, do_seed_demo
from hub.actions.vote_live import drain
from hub.models import (
    Committee,
    JobIntent,
    Municipality,
    Network,
    Post,
    Proposal,
    SearchDocument,
    Thread,
    User,
    Vote,
    VoteBallot,
)
from hub.plumbing.runtime import Runtime

# Networks whose name or existence skgo.md marks as a guess, for an admin to confirm: the six
# placeholders, and one real network whose exact name is a guess.
PLACEHOLDERS = {
    "lokalne-finansije",
    "prostorno-planiranje",
    "energetski-menadzment",
    "turizam",
    "kultura",
    "migracije",
}
UNCONFIRMED = PLACEHOLDERS | {"sekretari-skupstina"}


async def seed(runtime: Runtime, *, demo: bool = False) -> SeedReport:
    async with act(runtime, system=True) as ctx:
        report = await (do_seed_demo(ctx) if demo else do_seed(ctx))
    await drain(runtime)  # the demo votes' live tallies, sent as `hub seed` sends them on exit
    return report


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    out = {}
    async with runtime.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = await conn.execute(sa_select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(row) for row in rows.all()]
    return out


async def all_of(runtime: Runtime, model: Any) -> list[Any]:
    async with runtime.sessionmaker() as db:
        return list((await db.exec(select(model))).all())


async def test_seeding_twice_changes_nothing(runtime: Runtime) -> None:
    first = await seed(runtime)
    assert first.created == {"committees": 8, "networks": 28, "municipalities": 170}
    before = await snapshot(runtime)

    second = await seed(runtime)

    assert second.created == {} and not second.changed
    after = await snapshot(runtime)
    assert {t: len(rows) for t, rows in after.items()} == {
        t: len(rows) for t, rows in before.items()
    }
    assert after == before


async def test_an_admins_rename_survives_a_reseed(runtime: Runtime) -> None:
    await seed(runtime)
    async with act(runtime, system=True) as ctx:
        await do_update_network(
            ctx,
            "turizam",
            name="Mreža za turizam i ugostiteljstvo",
            name_en="Tourism and Hospitality Network",
            description="Potvrđeno.",
            committee="obrazovanje-kultura",  # was ekonomski-razvoj
            visibility="public",
        )

    await seed(runtime)

    async with runtime.sessionmaker() as db:
        network = (await db.exec(select(Network).where(Network.slug == "turizam"))).one()
    assert network.name == "Mreža za turizam i ugostiteljstvo"
    assert network.name_en == "Tourism and Hospitality Network"
    assert network.visibility == "public"
    async with runtime.sessionmaker() as db:
        committee = await db.get(Committee, network.committee_id)
    assert committee is not None and committee.slug == "obrazovanje-kultura"
    assert network.confirmed is True
    assert network.committee_confirmed is True


async def test_every_network_reports_to_a_committee(runtime: Runtime) -> None:
    await seed(runtime)
    committees = {c.id for c in await all_of(runtime, Committee)}
    networks = await all_of(runtime, Network)
    assert len(committees) == 8 and len(networks) == 28
    assert [n.slug for n in networks if n.committee_id not in committees] == []


async def test_guesses_are_marked_unconfirmed(runtime: Runtime) -> None:
    await seed(runtime)
    networks = await all_of(runtime, Network)
    assert {n.slug for n in networks if not n.confirmed} == UNCONFIRMED
    # Every network's committee is an informed guess too, for an admin to confirm.
    assert all(not n.committee_confirmed for n in networks)
    municipalities = await all_of(runtime, Municipality)
    assert len(municipalities) == 170
    assert all(not m.confirmed for m in municipalities)


async def test_gradske_opstine_belong_to_a_city(runtime: Runtime) -> None:
    await seed(runtime)
    municipalities = await all_of(runtime, Municipality)
    by_id = {m.id: m for m in municipalities}
    city_parts = [m for m in municipalities if m.kind == "gradska_opstina"]
    assert len(city_parts) == 25
    assert {m.slug: by_id[m.parent_id].kind for m in city_parts if m.parent_id in by_id} == {
        m.slug: "grad" for m in city_parts
    }
    assert [m.slug for m in municipalities if m.kind != "gradska_opstina" and m.parent_id] == []
    assert by_id[next(m.parent_id for m in city_parts if m.slug == "savski-venac")].slug == (
        "beograd"
    )


async def test_demo_seed_creates_its_people_once(runtime: Runtime) -> None:
    first = await seed(runtime, demo=True)
    assert first.created["users"] == len(first.demo_accounts) == 11
    assert first.created["threads"] == 3
    before = await snapshot(runtime)

    second = await seed(runtime, demo=True)

    assert second.created == {}
    assert second.demo_accounts == first.demo_accounts  # still listed, for `hub seed --demo`
    assert await snapshot(runtime) == before
    users = await all_of(runtime, User)
    assert sorted(u.email for u in users) == sorted(email for email, _ in first.demo_accounts)
    assert [u.email for u in users if u.is_admin] == [DEMO_ADMIN]


async def test_demo_threads_are_written_like_any_other(runtime: Runtime) -> None:
    await seed(runtime, demo=True)
    threads = [t for t in await all_of(runtime, Thread) if t.kind == "discussion"]
    ids = {t.id for t in threads}
    posts = [p for p in await all_of(runtime, Post) if p.thread_id in ids]
    assert len(threads) == 3 and len(posts) == 6
    for thread in threads:
        mine = sorted((p for p in posts if p.thread_id == thread.id), key=lambda p: p.id)
        assert thread.post_count == len(mine)
        assert thread.author_id == mine[0].author_id
        assert thread.last_post_id == mine[-1].id
        assert all(p.html for p in mine)
    # Searchable: one index entry per thread title and per post.
    documents = [d for d in await all_of(runtime, SearchDocument) if d.thread_id in ids]
    assert sorted((d.kind, d.object_id) for d in documents) == sorted(
        [("thread", t.id) for t in threads] + [("post", p.id) for p in posts]
    )


async def test_demo_proposals_show_every_stage_of_the_flow(runtime: Runtime) -> None:
    first = await seed(runtime, demo=True)
    assert first.created["proposals"] == 4
    proposals = sorted(await all_of(runtime, Proposal), key=lambda p: p.id or 0)
    assert [p.status for p in proposals] == ["draft", "submitted", "voting", "passed"]
    votes = {v.proposal_id: v for v in await all_of(runtime, Vote)}
    assert set(votes) == {proposals[2].id, proposals[3].id}
    ballots = await all_of(runtime, VoteBallot)
    by_vote = {
        vid: sum(1 for b in ballots if b.vote_id == vid) for vid in (v.id for v in votes.values())
    }
    assert by_vote == {votes[proposals[2].id].id: 2, votes[proposals[3].id].id: 4}
    passed = votes[proposals[3].id]
    assert (passed.status, passed.result, passed.yes, passed.abstain) == ("closed", "passed", 3, 1)
    # The passed one waits for the worker of `hub serve` to compile it (J5).
    [intent] = await all_of(runtime, JobIntent)
    assert intent.key == f"compile:proposal:{proposals[3].id}" and intent.status == "pending"
    # Submitted ones have their discussion thread; a draft has none yet.
    proposal_threads = [t for t in await all_of(runtime, Thread) if t.kind == "proposal"]
    assert len(proposal_threads) == 3

    second = await seed(runtime, demo=True)
    assert "proposals" not in second.created
    assert len(await all_of(runtime, Proposal)) == 4
    assert len(await all_of(runtime, VoteBallot)) == len(ballots)
