"""Compile intents handed to the job queue (J5): every intent still pending or running whose
last hand-over is older than `HUB_JOB_REENQUEUE_SECONDS` (or that was never handed over, like
the one the passing vote's close writes) is enqueued again under its key, which arq ignores
while the job still exists; a claim whose run died gets a takeover job (J2). Run by the
reconciler job (workers/compile.py); the module docstring there tells the whole story."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlmodel import col, select

from hub.actions.initiatives import COMPILE_JOB
from hub.db import utcnow
from hub.models import JobIntent
from hub.models.initiatives import InitiativeRevision, RevisionStatus
from hub.plumbing.runtime import Runtime


async def enqueue_waiting(runtime: Runtime) -> int:
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=runtime.settings.reenqueue_after)
    async with runtime.sessionmaker() as db:
        rows = await db.exec(
            select(JobIntent.key).where(
                JobIntent.kind == "compile",
                col(JobIntent.status).in_(("pending", "running")),
                or_(col(JobIntent.enqueued_at).is_(None), col(JobIntent.enqueued_at) < cutoff),
            )
        )
        keys = list(rows.all())
        if keys:
            await db.exec(
                update(JobIntent).where(col(JobIntent.key).in_(keys)).values(enqueued_at=now)
            )
            await db.commit()
    for key in keys:
        await runtime.queue.enqueue_job(COMPILE_JOB, key, _job_id=key)
    return len(keys) + await take_over_dead_claims(runtime)


async def take_over_dead_claims(runtime: Runtime) -> int:
    stale = utcnow() - dt.timedelta(seconds=runtime.settings.compile_timeout + 5)
    async with runtime.sessionmaker() as db:
        rows = await db.exec(
            select(JobIntent.key, InitiativeRevision.heartbeat_at)
            .join(InitiativeRevision, col(InitiativeRevision.job_key) == JobIntent.key)
            .where(
                JobIntent.status == "running",
                InitiativeRevision.status == RevisionStatus.COMPILING,
                InitiativeRevision.claimed_by != "",
                col(InitiativeRevision.heartbeat_at) < stale,
            )
        )
        dead = list(rows.all())
    for key, beat in dead:
        assert beat is not None
        job_id = f"{key}@{int(beat.timestamp())}"
        await runtime.queue.enqueue_job(COMPILE_JOB, key, _job_id=job_id)
    return len(dead)
