"""A background task that calls something on a schedule while a block runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable


@contextlib.asynccontextmanager
async def every(
    seconds: float, call: Callable[[], Awaitable[object]], *, name: str, log: logging.Logger
) -> AsyncIterator[None]:
    """Await `call()` every `seconds` until the block ends, then stop the task. A call that
    fails is logged and the schedule goes on."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(seconds)  # a schedule, not synchronisation
            try:
                await call()
            except Exception:  # e.g. a failing log handler: the schedule must go on
                log.exception("%s failed", name)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
