"""Reading boards: the threads of networks a reader may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from hub.actions.context import Context
from hub.models import Network, Thread, User
from hub.permissions import Action


@dataclass(frozen=True)
class ThreadSummary:
    thread: Thread
    network: Network
    author: User | None


async def recent_threads(
    ctx: Context, network_ids: list[int], limit: int = 10
) -> list[ThreadSummary]:
    """Threads of the given networks by last activity, pinned first; only those the actor reads."""
    if not network_ids:
        return []
    rows = await ctx.db.exec(
        select(Thread, Network, User)
        .join(Network, col(Network.id) == Thread.network_id)
        .join(User, col(User.id) == Thread.author_id, isouter=True)
        .where(col(Thread.network_id).in_(network_ids))
        .order_by(col(Thread.pinned).desc(), col(Thread.last_activity_at).desc())
        .limit(limit)
    )
    return [
        ThreadSummary(thread, network, author)
        for thread, network, author in rows.all()
        if ctx.may(Action.VIEW_NETWORK, network)
    ]
