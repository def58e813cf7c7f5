"""The compile job in real `hub worker` processes on the tests' Redis and database:
J2 (`kill -9` mid-compile, another worker completes it once), J4 (20 concurrent enqueues are
one job), J5 (the queue's data lost after the intent was handed over: the reconciler makes the
initiative, once).

"FLUSHALL" is FLUSHDB here: the tests own one Redis database, not the server.
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

from sqlalchemy import func, update
from sqlmodel import col, select

from hub.actions.compile_intents import enqueue_waiting
from hub.actions.initiatives import COMPILE_JOB
from hub.models import JobIntent, Proposal
from hub.models.initiatives import Initiative, InitiativeDocument, InitiativeRevision
from hub.plumbing.runtime import Runtime
from tests.initiative_helpers import passed_proposal
from tests.live import hub_worker, until
from tests.proposal_helpers import make_people

TIMEOUT = 8  # HUB_COMPILE_TIMEOUT of the workers: a killed run is taken over after 13-23 s


def worker(rt: Runtime, root: Path, name: str) -> AbstractContextManager[Popen[bytes]]:
    return hub_worker(
        rt, root, name, HUB_COMPILE_TIMEOUT=str(TIMEOUT), HUB_JOB_REENQUEUE_SECONDS="1"
    )


async def _state(rt: Runtime) -> dict[str, object]:
    async with rt.sessionmaker() as db:
        initiatives = list((await db.exec(select(Initiative))).all())
        revisions = list((await db.exec(select(InitiativeRevision))).all())
        documents = (await db.exec(select(func.count()).select_from(InitiativeDocument))).one()
        intents = list((await db.exec(select(JobIntent))).all())
    return {
        "initiatives": [(i.status, i.seq) for i in initiatives],
        "revisions": [(r.status, r.revision, r.attempts) for r in revisions],
        "documents": documents,
        "intents": [i.status for i in intents],
    }


async def _delivered(rt: Runtime) -> bool:
    async with rt.sessionmaker() as db:
        found = await db.exec(select(Initiative.status))
        return list(found.all()) == ["delivered"]


ONCE = {
    "initiatives": [("delivered", 1)],
    "revisions": [("ready", 1, 0)],
    "documents": 3,
    "intents": ["done"],
}


async def test_j4_twenty_concurrent_enqueues_are_one_job(seeded: Runtime, tmp_path: Path) -> None:
    rt = seeded
    people = await make_people(rt)
    pid = await passed_proposal(rt, people)
    key = f"compile:proposal:{pid}"
    jobs = await asyncio.gather(
        *(rt.jobs.enqueue_job(COMPILE_JOB, key, _job_id=key) for _ in range(20))
    )
    assert sum(j is not None for j in jobs) == 1
    with worker(rt, tmp_path, "w1"):
        await until(lambda: _delivered(rt), "the initiative")
    assert await _state(rt) == ONCE


async def test_j5_the_reconciler_makes_it_after_the_queue_is_lost(
    seeded: Runtime, tmp_path: Path
) -> None:
    rt = seeded
    people = await make_people(rt)
    await passed_proposal(rt, people)  # its intent, as the passing close writes it
    assert await enqueue_waiting(rt) == 1  # handed to the queue (enqueued_at set) ...
    assert await rt.redis.dbsize() > 0
    await rt.redis.flushdb()  # ... and the queue's data lost
    with worker(rt, tmp_path, "w1"):
        await until(lambda: _delivered(rt), "the initiative")
    assert await _state(rt) == ONCE


async def test_j2_a_worker_killed_mid_compile_another_completes_it_once(
    seeded: Runtime, tmp_path: Path
) -> None:
    rt = seeded
    people = await make_people(rt)
    pid = await passed_proposal(rt, people)
    long = ("Čišćenje đubrišta u žutoj zoni, korak po korak. " * 40 + "\n\n") * 6
    async with rt.sessionmaker() as db:  # a document whose PDF takes a while
        await db.exec(
            update(Proposal).where(col(Proposal.id) == pid).values(problem=long, solution=long)
        )
        await db.commit()

    async def rendering_pdf() -> bool:
        async with rt.sessionmaker() as db:
            steps = await db.exec(select(InitiativeRevision.step))
            return "pdf" in steps.all()

    with worker(rt, tmp_path, "w1") as first:
        await until(rendering_pdf, "the PDF step")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    state = await _state(rt)
    assert state["initiatives"] == [("compiling", 1)] and state["documents"] == 1  # HTML only
    with worker(rt, tmp_path, "w2"):
        await until(lambda: _delivered(rt), "the initiative", timeout=TIMEOUT + 90)
    assert await _state(rt) == ONCE
