"""Initiative numbers: `<prefix>-<year>-<seq>`, no gaps under concurrency, and a rolled-back
initiative gives its number back."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from hub.actions.context import act
from hub.actions.errors import Conflict
from hub.actions.initiative_requests import do_create_initiative
from hub.db import utcnow
from hub.models.initiatives import Initiative
from hub.plumbing.runtime import Runtime
from tests.initiative_helpers import committee_of, passed_proposal
from tests.proposal_helpers import make_people


async def _create(rt: Runtime, uid: int, ids: list[int], slug: str) -> str:
    try:
        async with act(rt, actor_id=uid) as ctx:
            made = await do_create_initiative(ctx, ids, slug)
            return made.initiative.number
    except Conflict:
        return "conflict"


async def _seqs(rt: Runtime) -> list[int]:
    async with rt.sessionmaker() as db:
        rows = await db.exec(select(Initiative.seq).order_by(col(Initiative.seq)))
        return list(rows.all())


async def test_numbers_have_no_gaps_under_concurrency(seeded: Runtime) -> None:
    rt = seeded
    people = await make_people(rt)
    slug = (await committee_of(rt)).slug
    ids = [await passed_proposal(rt, people, intent=False, posts=0) for _ in range(6)]
    coordinator = people["coordinator"]
    # Five at once for the same proposal: one wins, the others roll back, numbers included.
    same = await asyncio.gather(*(_create(rt, coordinator, [ids[0]], slug) for _ in range(5)))
    assert sorted(same).count("conflict") == 4, same
    # Five at once for different proposals: each gets the next number.
    numbers = await asyncio.gather(*(_create(rt, coordinator, [i], slug) for i in ids[1:]))
    year = utcnow().year
    assert sorted(numbers, key=lambda n: int(n.rsplit("-", 1)[1])) == [
        f"SKGO-{year}-{n}" for n in range(2, 7)
    ]
    assert await _seqs(rt) == [1, 2, 3, 4, 5, 6]
