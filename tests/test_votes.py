"""Votes through the actions: opening with a frozen electorate, casting and changing ballots,
closing (by the coordinator, by the cron, on read, on write) with the frozen result and the job
intent of a passed proposal, and the bad input that writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.bodies import do_remove_network_member, do_set_network_member
from hub.actions.context import act
from hub.actions.errors import ActionError, Conflict, Forbidden, Invalid, NotFound
from hub.actions.vote_cast import do_cast
from hub.actions.vote_read import list_ballots, list_voters, read_my_ballot, read_tally
from hub.actions.votes import close_due_votes, do_close_vote, do_open_vote
from hub.db import utcnow
from hub.models import JobIntent, Municipality, NetworkMembership, Proposal, User, VoteBallot
from hub.models.votes import VoteElector
from hub.plumbing.runtime import Runtime
from tests.conftest import make_user
from tests.proposal_helpers import NET, OTHER, S, as_user, make_people, proposal_in
from tests.vote_helpers import RULES, cast, make_due, open_vote, soon, vote_row, written


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def members_of(rt: Runtime, slug: str) -> set[int]:
    from hub.models import Network

    async with rt.sessionmaker() as db:
        network = (await db.exec(select(Network).where(Network.slug == slug))).one()
        rows = await db.exec(
            select(NetworkMembership.user_id).where(NetworkMembership.network_id == network.id)
        )
        return set(rows.all())


async def electors_of(rt: Runtime, pid: int) -> set[int]:
    vote = await vote_row(rt, pid)
    assert vote is not None
    async with rt.sessionmaker() as db:
        rows = await db.exec(select(VoteElector.user_id).where(VoteElector.vote_id == vote.id))
        return set(rows.all())


async def places_of(rt: Runtime, pid: int) -> dict[int, int | None]:
    vote = await vote_row(rt, pid)
    assert vote is not None
    async with rt.sessionmaker() as db:
        rows = await db.exec(
            select(VoteElector.user_id, VoteElector.municipality_id).where(
                VoteElector.vote_id == vote.id
            )
        )
        return dict(rows.all())


async def test_opening_freezes_the_rules_and_the_electorate(
    seeded: Runtime, people: dict[str, int]
) -> None:
    closes = soon(5)
    pid = await open_vote(seeded, people, closes_at=closes, quorum=30, threshold=60)
    vote = await vote_row(seeded, pid)
    assert vote is not None
    assert (vote.quorum, vote.threshold, vote.counting, vote.ballot) == (30, 60, "member", "open")
    assert vote.closes_at == closes and vote.closes_at.tzinfo is not None
    assert vote.status == "open" and vote.opened_by_id == people["coordinator"]
    electors = await electors_of(seeded, pid)
    assert electors == await members_of(seeded, NET)
    assert people["coordinator"] in electors  # coordinators are members
    assert vote.electorate_size == len(electors)
    async with seeded.sessionmaker() as db:
        proposal = await db.get(Proposal, pid)
        assert proposal is not None and proposal.status == S.VOTING


async def test_ballots_are_one_row_per_voter_and_changes_replace_the_choice(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people)
    await cast(seeded, people["member"], pid, "no", "Ne još.")
    await cast(seeded, people["member"], pid, "yes", "Ipak da.")
    await cast(seeded, people["author"], pid, "yes")
    async with seeded.sessionmaker() as db:
        rows = (await db.exec(select(VoteBallot))).all()
    assert len(rows) == 2
    mine = next(r for r in rows if r.voter_id == people["member"])
    assert (mine.choice, mine.reason, mine.changes) == ("yes", "Ipak da.", 1)
    tally = await as_user(seeded, people["member"], lambda c: read_tally(c, pid))
    assert (tally["yes"], tally["no"], tally["abstain"], tally["voted"]) == (2, 0, 0, 2)
    assert tally["eligible"] == 5 and tally["quorum_met"] is False and tally["passing"] is False
    assert tally["version"] == 3
    own = await as_user(seeded, people["member"], lambda c: read_my_ballot(c, pid))
    assert own is not None and own["choice"] == "yes"
    assert await as_user(seeded, people["coauthor"], lambda c: read_my_ballot(c, pid)) is None
    items, _ = await as_user(seeded, people["coordinator"], lambda c: list_ballots(c, pid))
    assert [(i["voter"]["id"], i["choice"]) for i in items] == [  # type: ignore[index]
        (people["member"], "yes"),
        (people["author"], "yes"),
    ]


async def test_the_coordinator_closes_a_passed_vote_with_its_job_intent(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people, quorum=50, threshold=60)
    for role in ("member", "author", "coauthor"):
        await cast(seeded, people[role], pid, "yes")
    await cast(seeded, people["invitee"], pid, "abstain")
    access, vote = await as_user(seeded, people["coordinator"], lambda c: do_close_vote(c, pid))
    assert access.proposal.status == S.PASSED
    assert (vote.status, vote.result, vote.yes, vote.no, vote.abstain, vote.turnout) == (
        "closed",
        "passed",
        3,
        0,
        1,
        4,
    )
    assert vote.closed_by_id == people["coordinator"] and vote.closed_at is not None
    async with seeded.sessionmaker() as db:
        intents = (await db.exec(select(JobIntent))).all()
    assert [(i.key, i.kind, i.status) for i in intents] == [
        (f"compile:proposal:{pid}", "compile", "pending")
    ]
    assert intents[0].payload["proposal_ids"] == [pid]
    assert "committee_id" in intents[0].payload
    with pytest.raises(Conflict) as late:
        await cast(seeded, people["coordinator"], pid, "no")
    assert late.value.params == {"status": S.PASSED}
    with pytest.raises(Conflict):
        await as_user(seeded, people["coordinator"], lambda c: do_close_vote(c, pid))
    after = await vote_row(seeded, pid)
    assert after is not None and (after.yes, after.no, after.result) == (3, 0, "passed")


async def test_a_failed_vote_has_no_job_intent(seeded: Runtime, people: dict[str, int]) -> None:
    pid = await open_vote(seeded, people, quorum=0)
    await cast(seeded, people["member"], pid, "no")
    access, vote = await as_user(seeded, people["coordinator"], lambda c: do_close_vote(c, pid))
    assert access.proposal.status == S.FAILED and vote.result == "failed"
    async with seeded.sessionmaker() as db:
        assert (await db.exec(select(JobIntent))).all() == []


async def test_a_read_past_the_closing_time_closes_the_vote(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people, quorum=0)
    await cast(seeded, people["member"], pid, "yes")
    await make_due(seeded, pid)
    tally = await as_user(seeded, people["outsider"], lambda c: read_tally(c, pid))
    assert (tally["status"], tally["result"], tally["yes"]) == ("closed", "passed", 1)
    vote = await vote_row(seeded, pid)
    assert vote is not None and vote.closed_by_id is None


async def test_a_vote_past_its_time_is_closed_first_and_the_ballot_refused(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people, quorum=0)
    await cast(seeded, people["member"], pid, "no")
    await make_due(seeded, pid)
    with pytest.raises(Conflict) as late:
        await cast(seeded, people["author"], pid, "yes")
    assert late.value.params == {"status": S.FAILED}
    vote = await vote_row(seeded, pid)
    assert vote is not None and (vote.status, vote.no, vote.yes) == ("closed", 1, 0)


async def test_the_cron_closes_due_votes_only(seeded: Runtime, people: dict[str, int]) -> None:
    due = await open_vote(seeded, people)
    later = await open_vote(seeded, people)
    await make_due(seeded, due)
    assert await close_due_votes(seeded) == 1
    assert await close_due_votes(seeded) == 0
    first, second = await vote_row(seeded, due), await vote_row(seeded, later)
    assert first is not None and first.status == "closed"
    assert second is not None and second.status == "open"


async def test_the_electorate_stays_as_it_was_at_opening(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people)
    before = await electors_of(seeded, pid)
    places_before = await places_of(seeded, pid)
    late = await make_user(seeded, "late@example.org", networks={NET: "member"})
    async with seeded.sessionmaker() as db:  # a member moves to another local government
        nis = (await db.exec(select(Municipality.id).where(Municipality.slug == "nis"))).one()
        await db.exec(
            update(User).where(col(User.id) == people["coauthor"]).values(municipality_id=nis)
        )
        await db.commit()
    async with act(seeded, system=True) as ctx:
        await do_remove_network_member(ctx, NET, people["member"])
        await do_set_network_member(ctx, OTHER, people["author"], role="member")
    assert await electors_of(seeded, pid) == before
    assert await places_of(seeded, pid) == places_before
    with pytest.raises(Forbidden) as joined_later:
        await cast(seeded, late, pid, "yes")
    assert "when the vote opened" in joined_later.value.message
    with pytest.raises((Forbidden, NotFound)):  # removed: no longer a member
        await cast(seeded, people["member"], pid, "yes")
    await cast(seeded, people["author"], pid, "yes")
    tally = await as_user(seeded, people["author"], lambda c: read_tally(c, pid))
    assert tally["electors"] == len(before) and tally["voted"] == 1


async def test_per_municipality_through_the_actions(seeded: Runtime) -> None:
    people = await make_people(seeded)
    towns = {"a1": "nis", "a2": "nis", "a3": "nis", "b1": "cacak", "b2": "cacak", "c1": "novi-sad"}
    ids = {
        key: await make_user(
            seeded, f"{key}@example.org", municipality=town, networks={NET: "member"}
        )
        for key, town in towns.items()
    }
    pid = await open_vote(seeded, people, counting="municipality", quorum=60, threshold=50)
    await cast(seeded, ids["a1"], pid, "yes")
    await cast(seeded, ids["a2"], pid, "yes")
    await cast(seeded, ids["a3"], pid, "no")  # Niš: yes
    await cast(seeded, ids["b1"], pid, "yes")
    await cast(seeded, ids["b2"], pid, "no")  # Čačak: tie, abstain
    await cast(seeded, people["member"], pid, "no")  # no local government: uncounted
    tally = await as_user(seeded, people["member"], lambda c: read_tally(c, pid))
    assert (tally["yes"], tally["no"], tally["abstain"]) == (1, 0, 1)
    assert (tally["eligible"], tally["turnout"], tally["uncounted"], tally["voted"]) == (3, 2, 1, 6)
    assert tally["quorum_met"] is True and tally["passing"] is True
    _access, vote = await as_user(seeded, people["coordinator"], lambda c: do_close_vote(c, pid))
    assert vote.result == "passed" and vote.turnout == 2


async def test_secret_ballot_totals_appear_only_after_the_close(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people, ballot="secret", quorum=0)
    await cast(seeded, people["member"], pid, "no", "Tajni razlog.")
    tally = await as_user(seeded, people["author"], lambda c: read_tally(c, pid))
    assert (tally["yes"], tally["no"], tally["abstain"], tally["passing"]) == (None,) * 4
    assert tally["voted"] == 1 and tally["turnout"] == 1
    with pytest.raises(Forbidden):
        await as_user(seeded, people["coordinator"], lambda c: list_ballots(c, pid))
    voters, _ = await as_user(seeded, people["author"], lambda c: list_voters(c, pid))
    assert [v["id"] for v in voters] == [people["member"]]
    assert set(voters[0]) == {"id", "name", "voted_at"}
    await as_user(seeded, people["coordinator"], lambda c: do_close_vote(c, pid))
    tally = await as_user(seeded, people["author"], lambda c: read_tally(c, pid))
    assert (tally["yes"], tally["no"], tally["passing"]) == (0, 1, False)


BAD_RULES: list[tuple[str, dict[str, Any]]] = [
    ("quorum", {"quorum": -1}),
    ("quorum", {"quorum": 101}),
    ("threshold", {"threshold": 49}),
    ("threshold", {"threshold": 101}),
    ("closes_at", {"closes_at": utcnow() - dt.timedelta(minutes=1)}),
    ("closes_at", {"closes_at": utcnow() + dt.timedelta(days=400)}),
    ("closes_at", {"closes_at": dt.datetime(2030, 1, 1)}),  # no time zone
    ("closes_at", {"closes_at": "sutra"}),
    ("counting", {"counting": "region"}),
    ("ballot", {"ballot": "public"}),
    ("counting", {"counting": "municipality"}),  # nobody in the network has a local government
]


@pytest.mark.parametrize(("field", "bad"), BAD_RULES)
async def test_bad_rules_are_422_naming_the_field_and_write_nothing(
    seeded: Runtime, people: dict[str, int], field: str, bad: dict[str, Any]
) -> None:
    pid = await proposal_in(seeded, people, S.APPROVED)
    before = await written(seeded)
    rules = {**RULES, "closes_at": soon(), **bad}
    with pytest.raises(Invalid) as refused:
        await as_user(seeded, people["coordinator"], lambda c: do_open_vote(c, pid, **rules))
    assert refused.value.field == field
    assert await written(seeded) == before


async def test_bad_ballots_write_nothing(seeded: Runtime, people: dict[str, int]) -> None:
    approved = await proposal_in(seeded, people, S.APPROVED)
    pid = await open_vote(seeded, people)
    before = await written(seeded)
    attempts: list[tuple[int, int, str, str, type[ActionError]]] = [
        (people["member"], approved, "yes", "", Conflict),  # not being voted on
        (people["member"], pid, "maybe", "", Invalid),
        (people["member"], pid, "yes", "x" * 1001, Invalid),
        (people["outsider"], pid, "yes", "", Forbidden),  # a non-member (network visible)
        (people["other_coordinator"], pid, "yes", "", Forbidden),
        (people["admin"], pid, "yes", "", Forbidden),  # not in the electorate
    ]
    for uid, target, choice, reason, error in attempts:
        with pytest.raises(error):
            await as_user(seeded, uid, lambda c: do_cast(c, target, choice, reason))  # noqa: B023
    assert await written(seeded) == before
