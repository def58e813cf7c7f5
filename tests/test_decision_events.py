"""The decision half's events: a proposal's text and authors, an initiative's compilation
progress and the committee's follow-ups, each on the channels whose pages show them."""

from __future__ import annotations

import dataclasses

from sqlmodel import select

from hub.actions.context import act
from hub.actions.initiative_decisions import do_follow_up
from hub.actions.proposal_coauthors import do_accept_coauthor, do_invite_coauthor
from hub.actions.proposals import do_edit_proposal
from hub.models.initiatives import Initiative
from hub.plumbing.runtime import Runtime
from tests.committee_helpers import COMMITTEE, committee_people, initiative_in
from tests.conftest import make_user
from tests.events import capture_events
from tests.initiative_helpers import passed_proposal, worker_ctx
from tests.proposal_helpers import NET, TEXT, make_people, new_proposal
from workers import compile as job


async def test_a_proposal_s_text_and_authors(seeded: Runtime) -> None:
    people = await make_people(seeded)
    pid = await new_proposal(seeded, people)
    edited = dataclasses.replace(TEXT, summary="Kraći sažetak.")
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["author"]) as ctx:
            await do_edit_proposal(ctx, pid, edited)
        async with act(seeded, actor_id=people["author"]) as ctx:
            await do_edit_proposal(ctx, pid, edited)  # the same text: nothing changed
    # A draft is its authors' only: told on its own channel, never on the network's.
    assert heard.types() == [(f"proposal:{pid}", "proposal.updated")]
    assert heard[0].data["summary"] == "Kraći sažetak."

    newcomer = await make_user(seeded, "nova@subotica.rs", networks={NET: "member"})
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["author"]) as ctx:
            await do_invite_coauthor(ctx, pid, newcomer)
        async with act(seeded, actor_id=people["author"]) as ctx:
            await do_invite_coauthor(ctx, pid, newcomer)  # invited already
        async with act(seeded, actor_id=newcomer) as ctx:
            await do_accept_coauthor(ctx, pid)
    updates = heard.of("proposal.updated")
    assert [e.channel for e in updates] == [f"proposal:{pid}"] * 2
    states = [{a["id"]: a["accepted"] for a in e.data["authors"]} for e in updates]
    assert [s[newcomer] for s in states] == [False, True]
    notices = heard.of("notification")
    assert [(e.audience, e.data["kind"]) for e in notices] == [((newcomer,), "coauthor_invited")]


async def test_compiling_reports_progress_on_the_initiative_s_channel(seeded: Runtime) -> None:
    people = await make_people(seeded)
    pid = await passed_proposal(seeded, people)
    with capture_events(seeded) as heard:
        assert await job.compile_initiative(await worker_ctx(seeded), f"compile:proposal:{pid}")
    async with seeded.sessionmaker() as db:
        [initiative_id] = (await db.exec(select(Initiative.id))).all()
    progress = heard.of("initiative.progress")
    assert progress and {e.channel for e in progress} == {f"initiative:{initiative_id}"}
    percents = [e.data["revision"]["progress"] for e in progress]
    assert percents == sorted(percents) and percents[-1] == 100
    delivered = [e for e in heard.of("initiative.status") if e.data["status"] == "delivered"]
    assert {e.channel for e in delivered} >= {f"initiative:{initiative_id}"}


async def test_a_follow_up_is_told_where_the_initiative_is_shown(seeded: Runtime) -> None:
    people = await committee_people(seeded)
    iid = await initiative_in(seeded, people, "adopted")
    with capture_events(seeded) as heard:
        async with act(seeded, actor_id=people["chair"]) as ctx:
            await do_follow_up(
                ctx, iid, kind="regulation_changed", note="Izmenjen član 12.", date="2026-11-01"
            )
    follow_ups = heard.of("initiative.follow_up")
    channels = [e.channel for e in follow_ups]
    assert channels[:2] == [f"initiative:{iid}", f"committee:{COMMITTEE}"]
    assert len(channels) == 3 and channels[2].startswith("proposal:")
    assert {e.data["follow_up"]["note"] for e in follow_ups} == {"Izmenjen član 12."}
