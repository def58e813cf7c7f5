"""`python -m tests.kill_worker`: the real `hub worker`, but it dies by a real SIGKILL right after
its notification sweep committed the first claim and its queued mail, before any mail is sent.

tests/test_notification_kill.py runs it as the first of two workers; production code has no
switch for this: the worker's startup hangs the kill on the job context's `after_claim` hook,
which workers/mail.py hands to the sweep."""

from __future__ import annotations

import os
import signal
from typing import Any

from arq.worker import run_worker

from hub.config import load_settings
from hub.plumbing.runtime import arq_settings
from workers.settings import WorkerSettings, startup


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def startup_then_arm(ctx: dict[str, Any]) -> None:
    await startup(ctx)
    ctx["after_claim"] = _die


if __name__ == "__main__":
    settings = load_settings()
    assert settings.redis_url is not None
    # arq reads a settings class's own __dict__ only: `hub worker`'s settings, copied, re-armed
    killing = {**vars(WorkerSettings), "on_startup": startup_then_arm}
    run_worker(killing, redis_settings=arq_settings(settings.redis_url))
