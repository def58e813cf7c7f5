"""Two people acting on one proposal at once, each in a transaction of their own: the database
decides (a conditional UPDATE, a unique key), one wins, the other gets a 409, never a 500, and
the timeline holds one step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import col, select

from hub.actions.context import Context, act
from hub.actions.errors import ActionError, Conflict
from hub.actions.proposal_coauthors import do_invite_coauthor
from hub.actions.proposal_review import _move, do_review, do_submit
from hub.actions.proposal_states import Move
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import do_edit_proposal
from hub.models import Proposal, ProposalAuthor, ProposalRevision, ProposalTransition
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from hub.reads.proposals import access_proposal
from tests.conftest import make_user
from tests.proposal_helpers import NET, make_people, new_proposal, proposal_in

S = ProposalStatus
ROUNDS = 3


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    found = await make_people(seeded)
    found["second_coordinator"] = await make_user(
        seeded, "second.coordinator@example.org", networks={NET: "coordinator"}
    )
    return found


async def race(
    rt: Runtime, *attempts: tuple[int, Callable[[Context], Awaitable[Any]]]
) -> list[Any]:
    """Run each (actor, action) in its own transaction at the same time; results or errors."""

    async def one(actor: int, fn: Callable[[Context], Awaitable[Any]]) -> Any:
        async with act(rt, actor_id=actor) as ctx:
            return await fn(ctx)

    return await asyncio.gather(*(one(a, f) for a, f in attempts), return_exceptions=True)


async def steps_of(rt: Runtime, pid: int) -> list[str]:
    async with rt.sessionmaker() as db:
        rows = await db.exec(
            select(ProposalTransition.to_status)
            .where(ProposalTransition.proposal_id == pid)
            .order_by(ProposalTransition.id)  # type: ignore[arg-type]
        )
        return list(rows.all())


def winner_and_loser(results: list[Any]) -> tuple[Any, ActionError]:
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], Conflict), repr(errors[0])
    return next(r for r in results if not isinstance(r, BaseException)), errors[0]


async def _review_round(rt: Runtime, people: dict[str, int], second: str) -> None:
    pid = await proposal_in(rt, people, S.SUBMITTED)
    results = await race(
        rt,
        (people["coordinator"], lambda c: do_review(c, pid, action="approve")),
        (people["second_coordinator"], lambda c: do_review(c, pid, action=second, note="Ne.")),
    )
    won, lost = winner_and_loser(results)
    final = won.proposal.status
    assert lost.status == 409 and lost.params == {"status": final}
    assert await steps_of(rt, pid) == ["draft", "submitted", final]


@pytest.mark.parametrize("second", ["approve", "reject"])
async def test_two_coordinators_at_once_one_wins(
    seeded: Runtime, people: dict[str, int], second: str
) -> None:
    for _ in range(ROUNDS):
        await _review_round(seeded, people, second)


async def _submit_edit_round(rt: Runtime, people: dict[str, int]) -> None:
    pid = await new_proposal(rt, people)
    edit = ProposalText(title="Izmena")
    results = await race(
        rt,
        (people["author"], lambda c: do_submit(c, pid)),
        (people["coauthor"], lambda c: do_edit_proposal(c, pid, edit, version=1)),
    )
    unexpected = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, Conflict) for r in unexpected), results
    async with rt.sessionmaker() as db:
        proposal = await db.get(Proposal, pid)
        assert proposal is not None and proposal.status == S.SUBMITTED
        revisions = (
            await db.exec(select(ProposalRevision).where(ProposalRevision.proposal_id == pid))
        ).all()
    # Either the edit came first (one revision, new title) or it was refused (none).
    assert (proposal.title == "Izmena") == (len(revisions) == 1)


async def test_submit_racing_an_edit_never_submits_text_it_did_not_check(
    seeded: Runtime, people: dict[str, int]
) -> None:
    for _ in range(ROUNDS):
        await _submit_edit_round(seeded, people)


async def test_two_edits_from_one_version_one_wins(seeded: Runtime, people: dict[str, int]) -> None:
    pid = await new_proposal(seeded, people)
    results = await race(
        seeded,
        (people["author"], lambda c: do_edit_proposal(c, pid, ProposalText(title="A"), version=1)),
        (
            people["coauthor"],
            lambda c: do_edit_proposal(c, pid, ProposalText(title="B"), version=1),
        ),
    )
    won, _lost = winner_and_loser(results)
    async with seeded.sessionmaker() as db:
        proposal = await db.get(Proposal, pid)
        assert proposal is not None and proposal.version == 2
        assert proposal.title == won.proposal.title
        assert len((await db.exec(select(ProposalRevision))).all()) == 1


async def _merge_round(rt: Runtime, people: dict[str, int]) -> None:
    a = await proposal_in(rt, people, S.SUBMITTED)
    b = await proposal_in(rt, people, S.SUBMITTED)
    results = await race(
        rt,
        (people["coordinator"], lambda c: do_review(c, a, action="merge", into=b)),
        (people["second_coordinator"], lambda c: do_review(c, b, action="merge", into=a)),
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    # The loser finds its proposal merged (409) or its survivor gone (422): never both merged.
    assert len(errors) == 1 and isinstance(errors[0], ActionError), results
    assert errors[0].status in (409, 422)
    async with rt.sessionmaker() as db:
        rows = await db.exec(select(Proposal.status).where(col(Proposal.id).in_([a, b])))
        assert sorted(rows.all()) == [S.MERGED, S.SUBMITTED]


async def test_opposite_merges_at_once_one_wins(seeded: Runtime, people: dict[str, int]) -> None:
    for _ in range(ROUNDS):
        await _merge_round(seeded, people)


async def test_the_same_coauthor_invited_twice_at_once_is_one_row(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await new_proposal(seeded, people)
    member = people["member"]
    results = await race(
        seeded,
        (people["author"], lambda c: do_invite_coauthor(c, pid, member)),
        (people["coauthor"], lambda c: do_invite_coauthor(c, pid, member)),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(created for _access, created in results) == [False, True]
    async with seeded.sessionmaker() as db:
        rows = (
            await db.exec(
                select(ProposalAuthor).where(
                    ProposalAuthor.proposal_id == pid, ProposalAuthor.user_id == member
                )
            )
        ).all()
    assert len(rows) == 1


async def test_a_stale_read_is_caught_by_the_conditional_update(
    seeded: Runtime, people: dict[str, int]
) -> None:
    """The check against the table passes on what was read; the UPDATE still refuses when the
    row changed since, and the 409 names the state the database holds."""
    pid = await proposal_in(seeded, people, S.SUBMITTED)
    async with act(seeded, actor_id=people["coordinator"]) as ctx:
        access = await access_proposal(ctx, pid)
        assert access.proposal.status == S.SUBMITTED
        async with act(seeded, actor_id=people["second_coordinator"]) as other:
            await do_review(other, pid, action="reject", note="Ne.")
        with pytest.raises(Conflict) as refused:
            await _move(ctx, access, Move.APPROVE)
        assert refused.value.params == {"status": S.REJECTED}
    assert await steps_of(seeded, pid) == ["draft", "submitted", "rejected"]
