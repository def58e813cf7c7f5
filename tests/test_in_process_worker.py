"""The worker inside `hub serve`: jobs still running when the server stops are stopped with it,
without an error out of the app's shutdown (their durable rows run them again after the next
start), whether a job is in its function or writing its result."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from arq import func
from arq.worker import Worker

from hub.plumbing.runtime import Runtime
from workers import in_process
from workers.settings import worker_kwargs


def with_job(monkeypatch: pytest.MonkeyPatch, job: Any) -> None:
    """`hub serve`'s worker with one more job and no crons: only the job under test runs."""

    def kwargs() -> dict[str, Any]:
        made = worker_kwargs()
        made["functions"] = [*made["functions"], func(job, name="job")]
        made["cron_jobs"] = []
        return made

    monkeypatch.setattr(in_process, "worker_kwargs", kwargs)


async def serve_until(runtime: Runtime, reached: asyncio.Event) -> None:
    """Enqueue the job, stop the worker once `reached` is set; leaving must not raise."""
    assert runtime.jobs is not None
    with warnings.catch_warnings():  # arq closes its pool with redis-py's deprecated close()
        warnings.simplefilter("ignore", DeprecationWarning)
        async with in_process.in_process_worker(runtime):
            await runtime.jobs.enqueue_job("job")
            await asyncio.wait_for(reached.wait(), timeout=60)


async def test_a_job_in_its_function_at_shutdown(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()
    stopped: list[bool] = []

    async def hangs(ctx: dict[str, Any]) -> None:
        started.set()
        try:
            await asyncio.Event().wait()  # until the shutdown cancels it
        except asyncio.CancelledError:
            stopped.append(True)
            raise

    with_job(monkeypatch, hangs)
    await serve_until(runtime, started)
    assert stopped == [True]


async def test_a_job_writing_its_result_at_shutdown(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arq writes a job's result under asyncio.shield: cancelled there, the job's task ends in
    CancelledError and arq's close() raises it (seen once in CI, as a traceback of the app's
    shutdown). Fault injection holds the result's write until the shutdown has come."""
    finishing, gate = asyncio.Event(), asyncio.Event()

    async def held_finish(self: Worker, *args: Any, **kwargs: Any) -> None:
        finishing.set()
        await gate.wait()

    async def quick(ctx: dict[str, Any]) -> str:
        return "done"

    with_job(monkeypatch, quick)
    monkeypatch.setattr(Worker, "finish_job", held_finish)
    try:
        await serve_until(runtime, finishing)
    finally:
        gate.set()  # the shielded write, released, ends on the loop's next turn, writing nothing
