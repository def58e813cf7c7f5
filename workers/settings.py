"""arq WorkerSettings, for `hub worker` and for the worker `hub serve` runs in-process."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from arq import cron, func
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function

from hub.config import compile_timeout, load_settings
from hub.plumbing.runtime import Runtime, bus_publisher, open_runtime
from workers.compile import RECONCILE_EVERY, compile_initiative, reconcile_intents
from workers.events import RELAY_EVERY, relay_events
from workers.mail import (
    MAX_TRIES,
    deliver_mail,
    mail_digests,
    mail_notifications,
    reconcile_mail,
)
from workers.uploads import remove_stale_uploads
from workers.votes import close_votes, remind_votes

FUNCTIONS = [
    func(deliver_mail, max_tries=MAX_TRIES, timeout=60),
    # keep_result=0: a finished compile leaves no result behind, so a retried intent can be
    # enqueued again under the same id; its tries are counted in the database (J3), arq's
    # limit only stops a job whose worker keeps dying.
    func(compile_initiative, timeout=compile_timeout(), keep_result=0, max_tries=20),
]
CRON_JOBS = [
    cron(reconcile_mail, second=7, run_at_startup=True, unique=True),
    # Often: events of processes with no Redis at hand (the CLI) wait in the outbox for it.
    cron(relay_events, second=set(range(0, 60, RELAY_EVERY)), unique=True),
    cron(
        reconcile_intents,
        second=set(range(0, 60, RECONCILE_EVERY)),
        run_at_startup=True,
        unique=True,
    ),
    # Every ten seconds (one indexed query): a vote closes well within a minute of its time
    # even if nobody reads it.
    cron(close_votes, second=set(range(3, 60, 10)), run_at_startup=True, unique=True),
    # Every 20 seconds: notifications past their delay are mailed (one indexed query).
    cron(mail_notifications, second={5, 25, 45}, unique=True),
    # Twice an hour: the digests whose period began (HUB_DIGEST_HOUR) go out, once per person
    # and period; a worker that was down catches up within half an hour.
    cron(mail_digests, minute={1, 31}, second=41, unique=True),
    cron(remind_votes, minute=set(range(0, 60, 5)), second=23, unique=True),
    cron(remove_stale_uploads, minute=17, second=37, run_at_startup=True, unique=True),
]


async def startup(ctx: dict[str, Any]) -> None:
    if "runtime" not in ctx:  # `hub worker`: open our own; in-process the app passes its own
        manager = open_runtime(load_settings())
        ctx["_runtime_manager"] = manager
        runtime: Runtime = await manager.__aenter__()
        # The worker has Redis: what its jobs' actions emit is published at once, not relayed.
        runtime.publisher = bus_publisher(runtime)
        ctx["runtime"] = runtime


async def shutdown(ctx: dict[str, Any]) -> None:
    manager = ctx.pop("_runtime_manager", None)
    if manager is not None:
        await manager.__aexit__(None, None, None)


def worker_kwargs() -> dict[str, Any]:
    return {
        "functions": FUNCTIONS,
        # Copies: a CronJob keeps its next run, and a worker started later in the same process
        # (tests, a restarted in-process worker) must run its startup jobs again.
        "cron_jobs": [dataclasses.replace(job, next_run=None) for job in CRON_JOBS],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_jobs": 10,
        "job_timeout": 300,
        "keep_result": 3600,
        "health_check_interval": 60,
    }


class WorkerSettings:
    """For `arq workers.settings.WorkerSettings`; `hub worker` passes redis_settings itself."""

    functions: Sequence[WorkerCoroutine | Function] = FUNCTIONS
    cron_jobs: Sequence[CronJob] | None = CRON_JOBS
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    max_jobs = 10
    health_check_interval = 60
