"""The compile job run in the test's process: numbering, the three formats and their text, J1
(two runs of one job at once make one initiative and one revision), J3 (bounded tries, then
`failed` with the reason), the joint initiative superseding a delivered one."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import col, select

from hub.actions.context import act
from hub.actions.initiative_requests import do_create_initiative, do_retry_initiative
from hub.models import JobIntent
from hub.models.initiatives import (
    Initiative,
    InitiativeDocument,
    InitiativeRevision,
)
from hub.plumbing.runtime import Runtime
from tests.initiative_helpers import TITLE, committee_of, passed_proposal, worker_ctx
from tests.proposal_helpers import make_people
from workers import compile as job


async def _count(rt: Runtime, model: type) -> int:
    async with rt.sessionmaker() as db:
        return int((await db.exec(select(func.count()).select_from(model))).one())


async def _documents(rt: Runtime, initiative_id: int) -> dict[str, bytes]:
    async with rt.sessionmaker() as db:
        rows = await db.exec(
            select(InitiativeDocument.format, InitiativeDocument.content)
            .join(InitiativeRevision, col(InitiativeRevision.id) == InitiativeDocument.revision_id)
            .where(InitiativeRevision.initiative_id == initiative_id)
        )
        return dict(rows.all())


async def _initiatives(rt: Runtime) -> list[Initiative]:
    async with rt.sessionmaker() as db:
        return list((await db.exec(select(Initiative).order_by(col(Initiative.id)))).all())


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _html_headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[1-3]>(.*?)</h[1-3]>", html)]


async def test_a_passed_proposal_compiles_into_three_formats(seeded: Runtime) -> None:
    rt = seeded
    people = await make_people(rt)
    pid = await passed_proposal(rt, people)
    result = await job.compile_initiative(await worker_ctx(rt), f"compile:proposal:{pid}")
    assert result == "done"
    [initiative] = await _initiatives(rt)
    assert initiative.status == "delivered"
    assert re.fullmatch(r"SKGO-\d{4}-1", initiative.number)
    docs = await _documents(rt, initiative.id or 0)
    assert set(docs) == {"html", "pdf", "docx"}
    html = docs["html"].decode()
    text = _pdf_text(docs["pdf"])
    assert TITLE in " ".join(text.split())
    assert "Preskupo za male opštine." in html  # an open ballot's dissenting reason
    headings = [
        p.text
        for p in Document(io.BytesIO(docs["docx"])).paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings == [
        re.sub(r"&#39;|&amp;", lambda m: {"&#39;": "'", "&amp;": "&"}[m.group()], h)
        for h in _html_headings(html)
    ]
    assert len(headings) > 10
    async with rt.sessionmaker() as db:
        intent = (await db.exec(select(JobIntent))).one()
    assert intent.status == "done"
    # Run again: nothing new (the intent is done).
    assert await job.compile_initiative(await worker_ctx(rt), intent.key) == "skipped"
    assert await _count(rt, InitiativeRevision) == 1


async def test_cyrillic_compilation_and_secret_ballot(seeded: Runtime) -> None:
    rt = seeded
    people = await make_people(rt)
    pid = await passed_proposal(rt, people, ballot="secret", intent=False)
    committee = await committee_of(rt)
    async with act(rt, actor_id=people["coordinator"]) as ctx:
        made = await do_create_initiative(ctx, [pid], committee.slug, language="sr-Cyrl")
    key = f"compile:initiative:{made.initiative.id}:1"
    assert await job.compile_initiative(await worker_ctx(rt), key) == "done"
    docs = await _documents(rt, made.initiative.id or 0)
    text = _pdf_text(docs["pdf"])
    letters = [c for c in text if c.isalpha()]
    cyrillic = [c for c in letters if "\u0400" <= c <= "\u04ff"]
    assert len(cyrillic) > 0.8 * len(letters), text[:300]
    assert "Чишћење ћорсокака" in " ".join(text.split())
    assert "Преskupo" not in text and "Прескупо" not in text  # secret: no reasons (V5)


async def test_same_job_twice_at_once_makes_one_revision(seeded: Runtime) -> None:
    rt = seeded
    people = await make_people(rt)
    pid = await passed_proposal(rt, people)
    key = f"compile:proposal:{pid}"
    results = await asyncio.gather(
        job.compile_initiative(await worker_ctx(rt), key),
        job.compile_initiative(await worker_ctx(rt), key),
    )
    assert sorted(results) in (["busy", "done"], ["done", "skipped"]), results
    assert await _count(rt, Initiative) == 1
    assert await _count(rt, InitiativeRevision) == 1
    assert await _count(rt, InitiativeDocument) == 3
    [initiative] = await _initiatives(rt)
    assert initiative.seq == 1


async def test_a_job_that_keeps_failing_ends_failed_with_the_reason(
    seeded: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arq import Retry

    from hub.actions import initiative_compile

    rt = seeded
    people = await make_people(rt)
    pid = await passed_proposal(rt, people)
    key = f"compile:proposal:{pid}"

    def broken(html: str) -> bytes:
        raise RuntimeError("pango is missing")

    monkeypatch.setattr(initiative_compile, "render_pdf", broken)
    tries = rt.settings.compile_max_tries
    for n in range(1, tries):
        with pytest.raises(Retry):
            await job.compile_initiative(await worker_ctx(rt, n), key)
    assert await job.compile_initiative(await worker_ctx(rt, tries), key) == "failed"
    [initiative] = await _initiatives(rt)
    assert initiative.status == "failed"
    async with rt.sessionmaker() as db:
        revision = (await db.exec(select(InitiativeRevision))).one()
        intent = (await db.exec(select(JobIntent))).one()
    assert revision.status == "failed" and "pango is missing" in revision.error
    assert intent.status == "failed" and revision.attempts == tries
    # Bounded: a further run does nothing.
    assert await job.compile_initiative(await worker_ctx(rt), key) == "skipped"
    # Try again, now that it works.
    monkeypatch.undo()
    async with act(rt, actor_id=people["coordinator"]) as ctx:
        await do_retry_initiative(ctx, initiative.id or 0)
    assert await job.compile_initiative(await worker_ctx(rt), key) == "done"
    [initiative] = await _initiatives(rt)
    assert initiative.status == "delivered" and initiative.seq == 1


async def test_joint_initiative_supersedes_a_delivered_one(seeded: Runtime) -> None:
    rt = seeded
    people = await make_people(rt)
    first = await passed_proposal(rt, people)
    second = await passed_proposal(rt, people, title="Drugi predlog", intent=False)
    assert await job.compile_initiative(await worker_ctx(rt), f"compile:proposal:{first}") == "done"
    committee = await committee_of(rt)
    async with act(rt, actor_id=people["coordinator"]) as ctx:
        joint = await do_create_initiative(ctx, [first, second], committee.slug)
    old, new = await _initiatives(rt)
    assert old.status == "superseded" and old.superseded_by_id == new.id
    assert new.seq == 2 and new.status == "compiling"
    assert [p.id for p, _n in joint.proposals] == [first, second]
    assert (
        await job.compile_initiative(await worker_ctx(rt), f"compile:initiative:{new.id}:1")
        == "done"
    )
    html = (await _documents(rt, new.id or 0))["html"].decode()
    assert "Drugi predlog" in html and TITLE in html
