"""The hourly removal of uploads that were never attached to a post (S11)."""

from __future__ import annotations

import logging
from typing import Any

from hub.actions.context import act
from hub.actions.stale_uploads import (
    BATCH,
    do_remove_stale_uploads,
    remove_abandoned_parts,
    remove_files,
)
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.workers.uploads")


async def remove_stale_uploads(ctx: dict[str, Any]) -> int:
    """Remove unattached uploads older than a day, in batches; the number of files removed."""
    runtime: Runtime = ctx["runtime"]
    removed = 0
    while True:
        async with act(runtime, system=True) as actx:
            paths = await do_remove_stale_uploads(actx)
            parts = remove_abandoned_parts(actx) if len(paths) < BATCH else 0
        remove_files(paths)  # after the commit: a rolled-back delete keeps its files
        removed += len(paths) + parts
        if len(paths) < BATCH:
            break
    if removed:
        log.info("removed %d unattached uploads", removed)
    return removed
