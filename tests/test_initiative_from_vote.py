"""From the vote to the initiative, with a real `hub worker`: a proposal's vote passes (the
votes' own actions), its close writes the compile intent, the worker's reconciler hands it to
the queue and the worker compiles it once, with the vote's frozen result in the document; then
it is in the committee's inbox, the chair adopts it, and the public archive and feed list it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import httpx
from pypdf import PdfReader
from sqlmodel import col, select

from hub.actions.vote_cast import do_cast
from hub.actions.votes import do_close_vote, do_open_vote
from hub.db import utcnow
from hub.models import JobIntent
from hub.models.initiatives import Initiative, InitiativeDocument, InitiativeRevision
from hub.plumbing.runtime import Runtime
from tests.committee_helpers import COMMITTEE, committee_people
from tests.live import until
from tests.proposal_helpers import S, as_user, proposal_in, tokens
from tests.test_initiative_worker import ONCE, _delivered, _state, worker


async def test_a_passed_vote_becomes_a_compiled_adopted_public_initiative(
    seeded: Runtime, tmp_path: Path, client: httpx.AsyncClient
) -> None:
    rt = seeded
    people = await committee_people(rt)
    pid = await proposal_in(rt, people, S.APPROVED)
    rules = {"quorum": 0, "threshold": 50, "counting": "member", "ballot": "open"}
    closes_at = utcnow() + dt.timedelta(hours=1)
    coordinator = people["coordinator"]
    await as_user(rt, coordinator, lambda c: do_open_vote(c, pid, closes_at=closes_at, **rules))
    await as_user(rt, people["member"], lambda c: do_cast(c, pid, "yes"))
    await as_user(rt, people["author"], lambda c: do_cast(c, pid, "yes"))
    await as_user(rt, people["coauthor"], lambda c: do_cast(c, pid, "no", "Nema novca u budžetu."))
    await as_user(rt, coordinator, lambda c: do_close_vote(c, pid))
    async with rt.sessionmaker() as db:
        intent = (await db.exec(select(JobIntent))).one()
    assert intent.key == f"compile:proposal:{pid}" and intent.status == "pending"
    with worker(rt, tmp_path, "w1"):
        await until(lambda: _delivered(rt), "the initiative")
    assert await _state(rt) == ONCE
    async with rt.sessionmaker() as db:
        initiative = (await db.exec(select(Initiative))).one()
        rows = await db.exec(
            select(InitiativeDocument.format, InitiativeDocument.content).join(
                InitiativeRevision, col(InitiativeRevision.id) == InitiativeDocument.revision_id
            )
        )
        docs = dict(rows.all())
    html = docs["html"].decode()
    assert "Nema novca u budžetu." in html  # the open ballot's dissenting reason
    assert initiative.title in html
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(docs["pdf"])).pages).split()
    )
    assert initiative.number in text

    # The committee's inbox has it; the chair adopts it; the archive and its feed list it.
    auth = await tokens(client, {r: people[r] for r in ("chair", "outsider")})
    public = await client.get("/api/v1/public/initiatives")
    assert initiative.number not in public.text  # not adopted yet
    inbox = await client.get(f"/api/v1/committees/{COMMITTEE}/initiatives", headers=auth["chair"])
    assert inbox.status_code == 200
    assert [i["id"] for i in inbox.json()["items"]] == [initiative.id]
    adopted = await client.post(
        f"/api/v1/initiatives/{initiative.id}/decision",
        json={"decision": "adopt", "note": ""},
        headers=auth["chair"],
    )
    assert adopted.status_code == 200, adopted.text
    public = await client.get("/api/v1/public/initiatives")
    assert [i["number"] for i in public.json()["items"]] == [initiative.number]
    feed = await client.get("/api/v1/public/initiatives.atom")
    assert feed.status_code == 200 and initiative.number in feed.text
    assert "Nema novca" not in feed.text  # nothing beyond the document's own summary
