"""The moderation queue, read: flagged and hidden posts of a network, and how many wait per
network (the acts themselves are hub.actions.moderation).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from hub.actions.context import Context
from hub.models import Flag, Network, Post, Thread, User
from hub.permissions import Action
from hub.reads.bodies import access_network


@dataclass(frozen=True)
class QueueItem:
    post: Post
    thread: Thread
    author: User | None
    flags: list[tuple[Flag, User]]


async def moderation_queue(ctx: Context, network_slug: str) -> tuple[Network, list[QueueItem]]:
    """Posts of the network with open flags, most flagged first (coordinators)."""
    network = await access_network(ctx, network_slug, Action.MODERATE_NETWORK)
    rows = await ctx.db.exec(
        select(Flag, User, Post, Thread)
        .join(User, col(User.id) == Flag.user_id)
        .join(Post, col(Post.id) == Flag.post_id)
        .join(Thread, col(Thread.id) == Post.thread_id)
        .where(Thread.network_id == network.id, col(Flag.resolved_at).is_(None))
        .order_by(col(Flag.created_at))
    )
    grouped: dict[int, tuple[Post, Thread, list[tuple[Flag, User]]]] = {}
    for flag, flagger, post, thread in rows.all():
        grouped.setdefault(post.id or 0, (post, thread, []))[2].append((flag, flagger))
    author_ids = {p.author_id for p, _, _ in grouped.values() if p.author_id}
    authors = {
        u.id: u for u in (await ctx.db.exec(select(User).where(col(User.id).in_(author_ids)))).all()
    }
    items = [
        QueueItem(post, thread, authors.get(post.author_id), flags)
        for post, thread, flags in grouped.values()
    ]
    items.sort(key=lambda i: (-len(i.flags), i.post.id or 0))
    return network, items


async def waiting_flags(ctx: Context, networks: list[Network]) -> dict[int, int]:
    """Network id -> posts with open flags waiting there, for the networks the actor moderates."""
    ids = [n.id for n in networks if n.id is not None and ctx.may(Action.MODERATE_NETWORK, n)]
    if not ids:
        return {}
    rows = await ctx.db.exec(
        select(Thread.network_id, func.count(func.distinct(Flag.post_id)))
        .join(Post, col(Post.id) == Flag.post_id)
        .join(Thread, col(Thread.id) == Post.thread_id)
        .where(col(Thread.network_id).in_(ids), col(Flag.resolved_at).is_(None))
        .group_by(col(Thread.network_id))
    )
    return {network_id: int(count) for network_id, count in rows.all()}
