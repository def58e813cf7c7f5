"""The arq worker run inside `hub serve`'s process, beside the app (the embedded default).

`hub serve` hands `in_process_worker` to hub.web.app.create_app, which enters it with the app's
runtime once that is open; `hub worker` runs the same jobs (workers.settings) on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from arq.worker import Worker

from hub.plumbing.runtime import Runtime
from workers.settings import worker_kwargs

log = logging.getLogger("hub.web")  # as before the move: the serving process's log


@contextlib.asynccontextmanager
async def in_process_worker(runtime: Runtime) -> AsyncIterator[None]:
    """The arq worker inside `hub serve` (the embedded default); `hub worker` runs it alone."""
    worker = Worker(
        **worker_kwargs(),
        redis_pool=runtime.jobs,
        ctx={"runtime": runtime},
        handle_signals=False,
    )
    task = asyncio.create_task(worker.async_run())
    try:
        yield
    finally:
        # arq stops a worker that handles no signals of its own as if it had got SIGUSR1, and
        # logs "shutdown on SIGUSR1": no signal was sent, so that line is dropped for ours.
        arq_log = logging.getLogger("arq.worker")
        arq_log.addFilter(_no_pretend_signal)
        try:
            await worker.close()
        except asyncio.CancelledError:
            # arq cancels the jobs in flight and gathers them without return_exceptions, so a
            # job stopped mid-run surfaces here. It is no failure of the shutdown: its durable
            # row (an intent, a queued mail, an outbox event) has it run again after the next
            # start. Our own cancellation still propagates.
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            log.info("jobs in flight were stopped; they run again after the next start")
        finally:
            arq_log.removeFilter(_no_pretend_signal)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        log.info(
            "worker stopped (jobs complete: %d, failed: %d, retried: %d)",
            worker.jobs_complete,
            worker.jobs_failed,
            worker.jobs_retried,
        )


def _no_pretend_signal(record: logging.LogRecord) -> bool:
    return not (isinstance(record.args, tuple) and "SIGUSR1" in record.args)
