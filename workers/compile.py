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

import logging
import secrets
from typing import Any

from arq import Retry

from hub.actions import initiative_compile as steps
from hub.actions.compile_intents import enqueue_waiting
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
    return await enqueue_waiting(ctx["runtime"])
