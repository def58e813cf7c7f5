"""The live tally is coalesced (hub.actions.vote_live): ballots cast close together share
`vote.tally` events, and the last event always carries the last ballot."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hub.actions import vote_live
from hub.actions.vote_read import read_tally
from hub.events import Event
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import as_user, make_people
from tests.vote_helpers import cast, open_vote


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def test_ballots_close_together_share_events_and_the_last_one_is_in_the_last(
    seeded: Runtime, people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vote_live, "WINDOW", 3600.0)  # all but the first wait for drain()
    pid = await open_vote(seeded, people)
    published: list[Event] = []

    async def publisher(events: Sequence[Event]) -> None:
        published.extend(events)

    seeded.publisher = publisher
    plan = [("member", "no"), ("author", "yes"), ("coauthor", "abstain"), ("member", "yes")]
    for who, choice in plan:
        await cast(seeded, people[who], pid, choice)
    await vote_live.drain(seeded)
    tallies = [e.data for e in published if e.type == "vote.tally"]
    # The first ballot's at once, the others' together in one (not one per ballot).
    assert len(tallies) == 2
    last = tallies[-1]
    assert (last["yes"], last["no"], last["abstain"], last["voted"]) == (2, 0, 1, 3)
    versions = [t["version"] for t in tallies]
    assert versions == sorted(versions)
    read = await as_user(seeded, people["member"], lambda c: read_tally(c, pid))
    assert read["version"] == last["version"] == 4  # three ballots, one change of choice
