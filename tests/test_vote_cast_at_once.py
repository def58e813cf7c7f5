"""The cast's short way (hub.actions.vote_cast: one statement on PostgreSQL, for a member, on a
vote the process has seen open) keeps every promise of the full one: the ballot and its audit
row or neither, the close decides (V4), and it is never taken where the caller's transaction
has already written (what it commits by itself could outlive a rollback)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from hub.actions.context import KnownActor, act, load_principal
from hub.actions.errors import Conflict
from hub.actions.vote_cast import do_cast
from hub.models import AuditEntry, Proposal, User, VoteBallot
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import S, make_people
from tests.vote_helpers import cast, make_due, open_vote, vote_row


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def _known(rt: Runtime, uid: int) -> KnownActor:
    """The actor as a request's credential check hands it to act()."""
    async with rt.sessionmaker() as db:
        user = await db.get(User, uid)
        return KnownActor(user, await load_principal(db, user))  # type: ignore[arg-type]


async def _cast_known(
    rt: Runtime, uid: int, pid: int, choice: str, known: KnownActor | None = None
) -> VoteBallot:
    async with act(rt, actor_id=uid, known=known or await _known(rt, uid)) as ctx:
        return await do_cast(ctx, pid, choice, "")


def _counting(rt: Runtime) -> list[str]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(rt.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def _ballots_and_audits(rt: Runtime, uid: int) -> tuple[list[str], int]:
    async with rt.sessionmaker() as db:
        ballots = await db.exec(select(VoteBallot.choice).where(VoteBallot.voter_id == uid))
        audits = await db.exec(
            select(AuditEntry).where(AuditEntry.actor_id == uid, AuditEntry.action == "vote.cast")
        )
        return list(ballots.all()), len(audits.all())


async def test_a_members_cast_is_one_statement_with_its_audit_row(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people)
    await _cast_known(seeded, people["coordinator"], pid, "yes")  # the process sees it open
    known = [await _known(seeded, people["member"]) for _ in range(2)]
    seen = _counting(seeded)
    ballot = await _cast_known(seeded, people["member"], pid, "no", known[0])
    changed = await _cast_known(seeded, people["member"], pid, "abstain", known[1])
    during = list(seen)
    assert (ballot.choice, changed.choice, changed.changes) == ("no", "abstain", 1)
    assert changed.id == ballot.id and changed.cast_at == ballot.cast_at
    assert await _ballots_and_audits(seeded, people["member"]) == (["abstain"], 2)
    if seeded.engine.dialect.name == "postgresql":  # one statement per cast, and no other
        # (the live tally runs beside them, coalesced: its reads and its event's outbox row)
        cast_tables = ("vote_ballots", "audit_log", "UPDATE votes")
        writes = [
            " ".join(s.split()[:3])
            for s in during
            if not s.lstrip().startswith("SELECT") and any(t in s for t in cast_tables)
        ]
        assert writes == ["WITH ballot AS"] * 2  # no INSERT of its own for the audit row


async def test_not_taken_after_the_callers_own_writes(
    seeded: Runtime, people: dict[str, int]
) -> None:
    """A cast after other work in the same transaction commits with it, or not at all."""
    pid = await open_vote(seeded, people)
    await _cast_known(seeded, people["coordinator"], pid, "yes")
    uid = people["member"]
    with pytest.raises(RuntimeError):
        async with act(seeded, actor_id=uid, known=await _known(seeded, uid)) as ctx:
            await ctx.db.exec(select(Proposal).where(Proposal.id == pid))
            await do_cast(ctx, pid, "no", "")
            raise RuntimeError("the caller's transaction rolls back")
    assert await _ballots_and_audits(seeded, uid) == ([], 0)


async def test_past_its_time_the_cast_closes_the_vote_and_is_refused(
    seeded: Runtime, people: dict[str, int]
) -> None:
    pid = await open_vote(seeded, people)
    await _cast_known(seeded, people["coordinator"], pid, "yes")
    await make_due(seeded, pid)
    with pytest.raises(Conflict) as refused:
        await _cast_known(seeded, people["member"], pid, "no")
    vote = await vote_row(seeded, pid)
    assert vote is not None and vote.status == "closed"
    assert refused.value.params["status"] in (S.PASSED, S.FAILED)  # what the close decided
    assert await _ballots_and_audits(seeded, people["member"]) == ([], 0)
    with pytest.raises(Conflict):  # and the full path agrees
        await cast(seeded, people["member"], pid, "no")
