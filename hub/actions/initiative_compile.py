"""Compiling an initiative's revision, step by step, for the compile job (workers/compile.py).

The job's id is its intent's key (J4). Each step is idempotent and runs in its own transaction:
1. `start`: the intent is marked running (a `done` or `failed` one ends the run).
2. `ensure_initiative`: a proposal's intent (`compile:proposal:<id>`, written by the passing
   vote's close) makes the initiative with that key as its unique `source_key`, its number and
   revision 1 in one transaction; a concurrent run that loses the insert rolls back, number
   included, and goes on with the winner's (J1). A joint initiative's intent names it.
3. `claim`: a conditional UPDATE on the revision; only the run holding the claim compiles, a
   claim whose heartbeat is older than the job's timeout is taken over (a killed worker, J2).
4. the formats: each stored once (unique on (revision, format)); a re-run renders only what is
   missing. Progress is written with the claim's heartbeat and sent as `initiative.progress`.
5. `finish`: revision `ready`, initiative `delivered`, intent `done`.
A step that raises counts a try; after `compile_max_tries` the revision and the initiative are
`failed` with the reason and the intent `failed` (J3); `do_retry_initiative` starts again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Update, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.actions.context import Context, act
from hub.actions.initiative_notices import notify_compile_failed, notify_delivered
from hub.actions.initiatives import (
    AlreadyMade,
    insert_initiative,
    link_proposals,
    notify_progress,
    notify_status,
    set_status,
)
from hub.db import utcnow
from hub.models import Committee, JobIntent, Proposal, ProposalStatus
from hub.models.initiatives import (
    DocumentFormat,
    Initiative,
    InitiativeDocument,
    InitiativeRevision,
    InitiativeStatus,
    RevisionStatus,
)
from hub.plumbing.runtime import Runtime
from hub.reads.initiative_document import document_data
from hub.reads.initiatives import live_initiatives, load_initiative
from hub.text.initiative_formats import render_docx, render_html, render_pdf
from hub.upsert import insert_ignore

log = logging.getLogger("hub.actions.compile")


class LostClaim(Exception):
    """Another run took the revision over: this one stops without writing."""


@dataclass
class Target:
    initiative_id: int
    revision_id: int


async def start(runtime: Runtime, key: str) -> JobIntent | None:
    async with act(runtime, system=True) as ctx:
        intent = (await ctx.db.exec(select(JobIntent).where(JobIntent.key == key))).first()
        if intent is None or intent.status in ("done", "failed"):
            return None
        await ctx.db.exec(
            update(JobIntent)
            .where(col(JobIntent.key) == key, col(JobIntent.status).in_(("pending", "running")))
            .values(status="running")
        )
        return intent


async def end_intent(runtime: Runtime, key: str, status: str, error: str = "") -> None:
    async with act(runtime, system=True) as ctx:
        await ctx.db.exec(
            update(JobIntent)
            .where(col(JobIntent.key) == key, col(JobIntent.status).in_(("pending", "running")))
            .values(status=status, last_error=error[:2000], finished_at=utcnow())
        )


async def ensure_initiative(runtime: Runtime, intent: JobIntent) -> Target | str:
    """The initiative and revision this intent compiles, or why there is none."""
    payload = intent.payload or {}
    async with act(runtime, system=True) as ctx:
        if payload.get("initiative_id"):
            initiative = await ctx.db.get(Initiative, int(payload["initiative_id"]))
        else:
            initiative = (
                await ctx.db.exec(select(Initiative).where(Initiative.source_key == intent.key))
            ).first()
        if initiative is not None:
            return await _target(ctx.db, initiative)
    if payload.get("initiative_id"):
        return "gone"
    try:
        async with act(runtime, system=True) as ctx:
            return await _make_from_proposals(ctx, intent)
    except AlreadyMade:  # a concurrent run made it: ours rolled back, number included
        async with act(runtime, system=True) as ctx:
            initiative = (
                await ctx.db.exec(select(Initiative).where(Initiative.source_key == intent.key))
            ).one()
            return await _target(ctx.db, initiative)


async def _target(db: AsyncSession, initiative: Initiative) -> Target:
    found = await db.exec(
        select(InitiativeRevision.id).where(
            InitiativeRevision.initiative_id == initiative.id,
            InitiativeRevision.revision == initiative.current_revision,
        )
    )
    assert initiative.id is not None
    revision_id = found.one()
    assert revision_id is not None
    return Target(initiative.id, revision_id)


async def _make_from_proposals(ctx: Context, intent: JobIntent) -> Target | str:
    ids = [int(i) for i in intent.payload.get("proposal_ids", [])]
    committee_id = intent.payload.get("committee_id")
    proposals = list((await ctx.db.exec(select(Proposal).where(col(Proposal.id).in_(ids)))).all())
    if not proposals or any(p.status != ProposalStatus.PASSED for p in proposals):
        return "not passed"
    if await live_initiatives(ctx, ids):
        return "already in an initiative"  # a joint initiative took it first
    committee = await ctx.db.get(Committee, int(committee_id)) if committee_id else None
    if committee is None:
        return "no committee"
    title = "; ".join(p.title for p in proposals)[:300]
    initiative_id, revision_id = await insert_initiative(
        ctx,
        source_key=intent.key,
        committee=committee,
        title=title,
        language="sr-Latn",
        job_key=intent.key,
    )
    await link_proposals(ctx, initiative_id, [p.id for p in proposals if p.id is not None])
    ctx.audit("initiative.create", None, initiative_id=initiative_id, proposal_ids=ids)
    access = await load_initiative(ctx, initiative_id)
    assert access is not None
    for event in notify_status(access):
        ctx.emit(event)
    return Target(initiative_id, revision_id)


async def claim(runtime: Runtime, target: Target, token: str) -> bool:
    """Take the revision for this run (J1: one run at a time; J2: a stale claim is taken)."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=runtime.settings.compile_timeout)
    async with act(runtime, system=True) as ctx:
        result = await ctx.db.exec(
            update(InitiativeRevision)
            .where(
                col(InitiativeRevision.id) == target.revision_id,
                col(InitiativeRevision.status) == RevisionStatus.COMPILING,
                or_(
                    col(InitiativeRevision.claimed_by) == "",
                    col(InitiativeRevision.heartbeat_at) < stale,
                ),
            )
            .values(claimed_by=token, heartbeat_at=now)
        )
        return bool(result.rowcount)


def _held(target: Target, token: str) -> Update:
    """An UPDATE of the revision that changes it only while this run holds the claim."""
    return update(InitiativeRevision).where(
        col(InitiativeRevision.id) == target.revision_id,
        col(InitiativeRevision.claimed_by) == token,
        col(InitiativeRevision.status) == RevisionStatus.COMPILING,
    )


async def progress(runtime: Runtime, target: Target, token: str, percent: int, step: str) -> None:
    async with act(runtime, system=True) as ctx:
        result = await ctx.db.exec(
            _held(target, token).values(progress=percent, step=step, heartbeat_at=utcnow())
        )
        if not result.rowcount:
            raise LostClaim(step)
        access = await load_initiative(ctx, target.initiative_id)
        assert access is not None
        ctx.emit(notify_progress(access))


async def _stored(runtime: Runtime, revision_id: int) -> dict[str, bytes]:
    async with runtime.sessionmaker() as db:
        rows = await db.exec(
            select(InitiativeDocument.format, InitiativeDocument.content).where(
                InitiativeDocument.revision_id == revision_id
            )
        )
        return dict(rows.all())


async def _store(runtime: Runtime, target: Target, token: str, fmt: str, content: bytes) -> None:
    async with act(runtime, system=True) as ctx:
        holder = await ctx.db.exec(
            select(InitiativeRevision.claimed_by).where(InitiativeRevision.id == target.revision_id)
        )
        if holder.one() != token:
            raise LostClaim(fmt)
        await insert_ignore(
            ctx.db,
            InitiativeDocument,
            {
                "revision_id": target.revision_id,
                "format": fmt,
                "content": content,
                "size": len(content),
            },
            ["revision_id", "format"],
        )


async def compile_formats(runtime: Runtime, target: Target, token: str) -> None:
    """Render and store what is missing of the three formats, reporting progress."""
    await progress(runtime, target, token, 5, "gather")
    async with act(runtime, system=True) as ctx:
        access = await load_initiative(ctx, target.initiative_id)
        revision = await ctx.db.get(InitiativeRevision, target.revision_id)
        assert access is not None and revision is not None
        data = await document_data(ctx, access, revision)
    done = await _stored(runtime, target.revision_id)
    await progress(runtime, target, token, 20, "html")
    if DocumentFormat.HTML in done:
        html = done[DocumentFormat.HTML].decode()
    else:
        html = await asyncio.to_thread(render_html, data)
        await _store(runtime, target, token, DocumentFormat.HTML, html.encode())
    await progress(runtime, target, token, 40, "pdf")
    if DocumentFormat.PDF not in done:
        pdf = await asyncio.to_thread(render_pdf, html)
        await _store(runtime, target, token, DocumentFormat.PDF, pdf)
    await progress(runtime, target, token, 75, "docx")
    if DocumentFormat.DOCX not in done:
        docx = await asyncio.to_thread(render_docx, data)
        await _store(runtime, target, token, DocumentFormat.DOCX, docx)


async def finish(runtime: Runtime, target: Target, token: str, key: str) -> bool:
    async with act(runtime, system=True) as ctx:
        now = utcnow()
        result = await ctx.db.exec(
            _held(target, token).values(
                status=RevisionStatus.READY, progress=100, step="done", finished_at=now
            )
        )
        if not result.rowcount:
            return False
        await set_status(
            ctx, target.initiative_id, (InitiativeStatus.COMPILING,), InitiativeStatus.DELIVERED
        )
        await ctx.db.exec(
            update(Initiative)
            .where(
                col(Initiative.id) == target.initiative_id, col(Initiative.delivered_at).is_(None)
            )
            .values(delivered_at=now)
        )
        await ctx.db.exec(
            update(JobIntent)
            .where(col(JobIntent.key) == key)
            .values(status="done", finished_at=now, last_error="")
        )
        access = await load_initiative(ctx, target.initiative_id)
        assert access is not None
        ctx.emit(notify_progress(access))
        for event in notify_status(access):
            ctx.emit(event)
        await notify_delivered(ctx, access.initiative, access.committee, target.revision_id)
    return True


async def failed_try(runtime: Runtime, target: Target, token: str, key: str, error: str) -> bool:
    """Count a failed try; True when the tries are used up and all is now `failed` (J3)."""
    limit = runtime.settings.compile_max_tries
    async with act(runtime, system=True) as ctx:
        await ctx.db.exec(
            update(InitiativeRevision)
            .where(col(InitiativeRevision.id) == target.revision_id)
            .values(
                attempts=col(InitiativeRevision.attempts) + 1, error=error[:2000], claimed_by=""
            )
        )
        revision = await ctx.db.get(InitiativeRevision, target.revision_id, populate_existing=True)
        assert revision is not None
        await ctx.db.exec(
            update(JobIntent)
            .where(col(JobIntent.key) == key)
            .values(attempts=revision.attempts, last_error=error[:2000])
        )
        if revision.attempts < limit:
            return False
        await ctx.db.exec(
            update(InitiativeRevision)
            .where(col(InitiativeRevision.id) == target.revision_id)
            .values(status=RevisionStatus.FAILED, finished_at=utcnow(), step="failed")
        )
        await set_status(
            ctx, target.initiative_id, (InitiativeStatus.COMPILING,), InitiativeStatus.FAILED
        )
        await ctx.db.exec(
            update(JobIntent)
            .where(col(JobIntent.key) == key)
            .values(status="failed", finished_at=utcnow())
        )
        access = await load_initiative(ctx, target.initiative_id)
        assert access is not None
        for event in notify_status(access):
            ctx.emit(event)
        networks = [n for _p, n in access.proposals]
        await notify_compile_failed(ctx, access.initiative, networks, target.revision_id)
        log.warning("compile %s failed for good: %s", key, error)
    return True
