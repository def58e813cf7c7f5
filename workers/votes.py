"""The minutely close of votes whose closing time has come (V4). Reading or voting on a vote
past its time closes it too (hub.actions.votes.close_if_due), so a stopped worker delays no
result; this job closes the votes nobody looks at, and its events reach the open pages."""

from __future__ import annotations

import logging
from typing import Any

from hub.actions.vote_notices import remind_closing_votes
from hub.actions.votes import close_due_votes
from hub.plumbing.runtime import Runtime

log = logging.getLogger("hub.workers.votes")


async def close_votes(ctx: dict[str, Any]) -> int:
    """Close every due vote, each in a transaction of its own; how many this run closed."""
    runtime: Runtime = ctx["runtime"]
    closed = await close_due_votes(runtime)
    if closed:
        log.info("closed %d votes", closed)
    return closed


async def remind_votes(ctx: dict[str, Any]) -> int:
    """Remind the electors who have not voted in a vote closing within a day, once each."""
    runtime: Runtime = ctx["runtime"]
    return await remind_closing_votes(runtime)
