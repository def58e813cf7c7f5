"""Moderation: coordinators pin, lock, move threads and hide posts; members flag posts.

A post flagged by FLAGS_TO_HIDE members is hidden until a coordinator decides. Every act is audited.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from hub import channels
from hub.actions import search
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid
from hub.actions.validate import check_line
from hub.db import utcnow
from hub.events import Event
from hub.models import Flag, Network, Post, Thread
from hub.permissions import Action
from hub.reads.bodies import access_network
from hub.reads.posts import access_post
from hub.reads.threads import access_thread, thread_public
from hub.upsert import insert_ignore

# Also the API declaration's message for a blank value, so "" and invisible-only text read alike.
REASON_REQUIRED = N_("Say why.")

FLAGS_TO_HIDE = 3
REASON_MAX = 500
AUTO_HIDDEN = "flagged"  # hidden_reason of a post hidden by members' flags


def check_reason(value: str | None) -> str:
    return check_line(value, "reason", REASON_MAX, required=REASON_REQUIRED)


def notify_thread_updated(thread: Thread, network: Network) -> list[Event]:
    data = thread_public(thread, network)
    return [
        Event(channel=channels.thread(thread.id), type="thread.updated", data=data),
        Event(channel=channels.network(network.slug), type="thread.updated", data=data),
    ]


async def do_pin(ctx: Context, thread_id: int, *, pinned: bool) -> Thread:
    thread, network = await access_thread(ctx, thread_id, Action.MODERATE_NETWORK)
    if thread.pinned != pinned:
        thread.pinned = pinned
        ctx.db.add(thread)
        ctx.audit("thread.pinned" if pinned else "thread.unpinned", thread)
        for event in notify_thread_updated(thread, network):
            ctx.emit(event)
    return thread


async def do_lock(ctx: Context, thread_id: int, *, locked: bool) -> Thread:
    thread, network = await access_thread(ctx, thread_id, Action.MODERATE_NETWORK)
    if thread.locked != locked:
        thread.locked = locked
        ctx.db.add(thread)
        ctx.audit("thread.locked" if locked else "thread.unlocked", thread)
        for event in notify_thread_updated(thread, network):
            ctx.emit(event)
    return thread


async def do_move(ctx: Context, thread_id: int, *, to_network: str | None) -> Thread:
    """Move a thread to another network the coordinator also moderates (admins: any)."""
    thread, source = await access_thread(ctx, thread_id, Action.MODERATE_NETWORK)
    if not to_network:
        raise Invalid(N_("Choose the network to move the thread to."), field="network")
    target = await access_network(ctx, to_network, Action.MODERATE_NETWORK)
    if target.id == source.id:
        return thread
    assert target.id is not None and thread.id is not None
    thread.network_id = target.id
    ctx.db.add(thread)
    await search.move_documents(ctx, thread_id=thread.id, network_id=target.id)
    ctx.audit("thread.moved", thread, source=source.slug, target=target.slug)
    for event in notify_moved(thread, source, target):
        ctx.emit(event)
    return thread


def notify_moved(thread: Thread, source: Network, target: Network) -> list[Event]:
    """Moved away, on the thread's channel and its old board; a new thread on its new board."""
    data = thread_public(thread, target)
    return [
        Event(channel=channels.thread(thread.id), type="thread.moved", data=data),
        Event(channel=channels.network(source.slug), type="thread.moved", data=data),
        Event(channel=channels.network(target.slug), type="thread.created", data=data),
    ]


async def _hide(ctx: Context, post: Post, thread: Thread, reason: str, by: int | None) -> None:
    post.hidden_at = utcnow()
    post.hidden_reason = reason
    post.hidden_by_id = by
    ctx.db.add(post)
    await search.unindex(ctx, kind="post", object_id=post.id or 0)
    ctx.emit(notify_hidden(post, thread, hidden=True))


async def do_hide_post(ctx: Context, post_id: int, *, reason: str | None) -> Post:
    post, thread, _network = await access_post(ctx, post_id, Action.MODERATE_NETWORK)
    reason = check_reason(reason)
    if post.deleted_at is not None:
        raise Conflict(N_("This post was deleted."))
    await _hide(ctx, post, thread, reason, ctx.actor.id if ctx.actor else None)
    await _resolve_flags(ctx, post, "hidden")
    ctx.audit("post.hidden", post, thread_id=thread.id, reason=reason)
    return post


async def do_unhide_post(ctx: Context, post_id: int) -> Post:
    """Show a hidden post again (a coordinator's decision to keep it); open flags are resolved."""
    post, thread, network = await access_post(ctx, post_id, Action.MODERATE_NETWORK)
    if post.hidden_at is None:
        await _resolve_flags(ctx, post, "kept")
        return post
    post.hidden_at = None
    post.hidden_reason = ""
    post.hidden_by_id = None
    ctx.db.add(post)
    if post.deleted_at is None:  # deleted while hidden: it stays out of search
        await search.index_post(ctx, post, network.id or 0)
    await _resolve_flags(ctx, post, "kept")
    ctx.audit("post.unhidden", post, thread_id=thread.id)
    ctx.emit(notify_hidden(post, thread, hidden=False))
    return post


def notify_hidden(post: Post, thread: Thread, *, hidden: bool) -> Event:
    return Event(
        channel=channels.thread(thread.id),
        type="post.hidden",
        data={"id": post.id, "thread_id": thread.id, "hidden": hidden},
    )


async def _resolve_flags(ctx: Context, post: Post, decision: str) -> None:
    await ctx.db.exec(
        update(Flag)
        .where(col(Flag.post_id) == post.id, col(Flag.resolved_at).is_(None))
        .values(
            resolved_at=utcnow(),
            resolved_by_id=ctx.actor.id if ctx.actor else None,
            decision=decision,
        )
        .execution_options(synchronize_session=False)
    )


async def do_flag(ctx: Context, post_id: int, *, reason: str | None) -> Post:
    """A member reports a post, once; at FLAGS_TO_HIDE open flags it is hidden until decided."""
    post, thread, _network = await access_post(ctx, post_id, Action.POST_IN_NETWORK)
    user = ctx.require_user()
    reason = check_reason(reason)
    if post.author_id == user.id:
        raise Conflict(N_("You cannot flag your own post."))
    if post.deleted_at is not None:
        raise Conflict(N_("This post was deleted."))
    # The unique key decides: of two flags by one member at once, the second inserts nothing.
    values = {"post_id": post.id or 0, "user_id": user.id or 0, "reason": reason}
    if await insert_ignore(ctx.db, Flag, values, ["post_id", "user_id"]) is None:
        raise Conflict(N_("You have already flagged this post."))
    await ctx.db.exec(
        update(Post)
        .where(col(Post.id) == post.id)
        .values(flag_count=Post.flag_count + 1)
        .execution_options(synchronize_session=False)
    )
    await ctx.db.refresh(post)
    ctx.audit("post.flagged", post, thread_id=thread.id, reason=reason)
    open_flags = len(
        (
            await ctx.db.exec(
                select(Flag.id).where(Flag.post_id == post.id, col(Flag.resolved_at).is_(None))
            )
        ).all()
    )
    if open_flags >= FLAGS_TO_HIDE and post.hidden_at is None:
        await _hide(ctx, post, thread, AUTO_HIDDEN, None)
        ctx.audit("post.auto_hidden", post, thread_id=thread.id, flags=open_flags)
    return post
