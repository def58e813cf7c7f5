"""Live tallies, coalesced: one `vote.tally` event per vote at most every WINDOW seconds per
process, instead of one per ballot.

A cast commits its ballot and then calls `tally_soon`. The first ballot after a quiet spell
publishes at once; ballots that follow within WINDOW share the next event, counted after the
window ends. The flush takes its pending mark off *before* it counts, so a ballot committed
after the count started schedules another flush: the last ballot is always in an event.

The event is made like any other (`notify_tally` in an action's transaction, through the
outbox, so the relay publishes it if the bus is down). It counts the vote as it stands; a vote
closed meanwhile sends nothing here (the close sends the final tally, with a higher version).
"""

from __future__ import annotations

import asyncio
import logging
import time

from hub.actions.context import act
from hub.actions.votes import notify_tally, vote_of
from hub.models.votes import VoteStatus
from hub.plumbing.runtime import Runtime
from hub.reads.proposals import access_proposal
from hub.reads.vote_tally import current_count, tally_public

log = logging.getLogger("hub.actions")

WINDOW = 0.25  # seconds between two live tallies of one vote from one process
_PENDING = "vote_live.pending"  # runtime.extras: proposal id -> its scheduled flush
_LAST = "vote_live.last"  # runtime.extras: proposal id -> monotonic time of its last flush
_RUNNING = "vote_live.running"  # runtime.extras: every flush not yet finished


def tally_soon(runtime: Runtime, proposal_id: int) -> None:
    """Publish the vote's tally soon (now, if none went out in the last WINDOW)."""
    pending: dict[int, asyncio.Task[None]] = runtime.extras.setdefault(_PENDING, {})
    if proposal_id in pending:  # a flush is due and will count this ballot
        return
    last: dict[int, float] = runtime.extras.setdefault(_LAST, {})
    delay = max(0.0, last.get(proposal_id, -WINDOW) + WINDOW - time.monotonic())
    task = asyncio.get_running_loop().create_task(_flush(runtime, proposal_id, delay))
    pending[proposal_id] = task
    running: set[asyncio.Task[None]] = runtime.extras.setdefault(_RUNNING, set())
    running.add(task)
    task.add_done_callback(running.discard)
    runtime.extras.setdefault("before_close", {})[__name__] = drain


async def _flush(runtime: Runtime, proposal_id: int, delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    runtime.extras[_PENDING].pop(proposal_id, None)  # before counting: see the docstring
    runtime.extras[_LAST][proposal_id] = time.monotonic()
    try:
        await publish_tally(runtime, proposal_id)
    except Exception:  # the ballot is stored; the next ballot, a read or the close shows it
        log.exception("publishing the tally of proposal %s failed", proposal_id)


async def drain(runtime: Runtime) -> None:
    """Send the tallies still waiting now, without waiting for their window (when the process
    stops, and in tests), and let the flushes under way finish."""
    pending: dict[int, asyncio.Task[None]] = runtime.extras.get(_PENDING, {})
    running: set[asyncio.Task[None]] = runtime.extras.get(_RUNNING, set())
    while pending or running:
        now = list(pending)
        for proposal_id in now:  # asleep in its window (it has not counted yet): send it now
            pending.pop(proposal_id).cancel()
        flushes = [_flush(runtime, proposal_id, 0) for proposal_id in now]
        await asyncio.gather(*list(running), *flushes, return_exceptions=True)


async def publish_tally(runtime: Runtime, proposal_id: int) -> None:
    """A `vote.tally` event with the vote's tally as it stands, if it is still open (the live
    tally; the close sends its own)."""
    async with act(runtime, system=True) as ctx:
        vote = await vote_of(ctx, proposal_id)
        if vote is None or vote.status != VoteStatus.OPEN:
            return
        access = await access_proposal(ctx, proposal_id)
        ctx.emit(notify_tally(access, vote, tally_public(vote, await current_count(ctx, vote))))
