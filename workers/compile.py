"""The initiatives' compile job and the reconciler of job intents (J1-J5).

`compile_initiative(key)` runs under arq with the job id `key` (the intent's key, J4), so 20
enqueues of one intent are one job; the steps are hub.actions.initiative_compile's, each
idempotent (J1). A worker killed mid-run leaves the job in arq's queue: once its in-progress
mark expires (the job's timeout + 10 s) another worker runs it again and takes the stale claim
over (J2). A failing run is retried after a pause until `HUB_COMPILE_MAX_TRIES`, then all is
`failed` with the reason (J3). `reconcile_intents` runs every few seconds and hands arq every
compile intent still pending or running whose last hand-over is older than
`HUB_JOB_REENQUEUE_SECONDS` (or that was never handed over, like the one the passing vote's close
writes): after a FLUSHALL the job is made again, and while it still exists arq ignores the
duplicate (J5).

A killed run's job would wait in arq's queue until its in-progress mark expires, which is the
longest timeout of all the worker's functions plus 10 s (minutes); the reconciler does not wait
that long: a revision claimed by a run whose heartbeat is older than the compile timeout (no
run lasts longer: arq cancels it) gets a takeover job, id `<key>@<heartbeat>`, deterministic
for that dead claim. The claim lets one run compile at a time, so when arq runs the old job
later, it finds the intent done and stops (J2).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from arq import Retry
from sqlalchemy import or_, update
from sqlmodel import col, select

from hub.actions import initiative_compile as steps
from hub.actions.initiatives import COMPILE_JOB
from hub.db import utcnow
from hub.models import JobIntent
from hub.models.initiatives import InitiativeRevision, RevisionStatus
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.workers.compile")
RECONCILE_EVERY = 10  # seconds between reconciler runs


async def compile_initiative(ctx: dict[str, Any], key: str) -> str:
    runtime: Runtime = ctx["runtime"]
    intent = await steps.start(runtime, key)
    if intent is None:
        return "skipped"  # done, failed for good, or no such intent
    target = await steps.ensure_initiative(runtime, intent)
    if isinstance(target, str):
        await steps.end_intent(
            runtime, key, "done" if target != "no committee" else "failed", target
        )
        return target
    token = f"{ctx.get('job_id', key)}:{secrets.token_hex(6)}"
    if not await steps.claim(runtime, target, token):
        return "busy"  # another run holds it (J1) or it is no longer compiling
    try:
        await steps.compile_formats(runtime, target, token)
        finished = await steps.finish(runtime, target, token, key)
    except steps.LostClaim:
        return "busy"
    except Exception as exc:
        log.exception("compiling %s failed", key)
        reason = f"{type(exc).__name__}: {exc}"
        if await steps.failed_try(runtime, target, token, key, reason):
            return "failed"
        raise Retry(defer=min(60, 2 ** int(ctx.get("job_try", 1)))) from exc
    return "done" if finished else "busy"


async def reconcile_intents(ctx: dict[str, Any]) -> int:
    """Hand arq the compile intents waiting too long (J5); returns how many."""
    runtime: Runtime = ctx["runtime"]
    return await enqueue_waiting(runtime)


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
