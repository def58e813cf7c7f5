"""A thread, if the actor may read it: the check that posts, threads, moderation and the live
channels share (below them all, so none has to import another for it)."""

from __future__ import annotations

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, NotFound
from hub.actions.validate import MAX_ID
from hub.models import Network, Thread
from hub.permissions import Action


async def access_thread(
    ctx: Context, thread_id: int, action: Action = Action.VIEW_NETWORK
) -> tuple[Thread, Network]:
    """The thread and its network, if the actor may read it (else NotFound) and do `action`."""
    if not 0 < thread_id <= MAX_ID:  # no such row; the database would refuse the number
        raise NotFound(N_("No such thread."))
    row = await ctx.db.exec(
        select(Thread, Network)
        .join(Network, col(Network.id) == Thread.network_id)
        .where(Thread.id == thread_id)
    )
    found = row.first()
    if found is None or not ctx.may(Action.VIEW_NETWORK, found[1]):
        raise NotFound(N_("No such thread."))
    if action is not Action.VIEW_NETWORK:
        ctx.require(action, found[1])
    return found
