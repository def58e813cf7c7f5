"""Threads: start one, remember how far one has read (boards and windows: hub.reads.threads)."""

from __future__ import annotations

from sqlalchemy import case
from sqlmodel import col, select

from hub import channels
from hub.actions import search
from hub.actions.context import Context
from hub.actions.errors import N_
from hub.actions.notifications import mark_target_read
from hub.actions.posts import check_body, do_write_post
from hub.actions.validate import check_line
from hub.db import utcnow
from hub.events import Event
from hub.models import Network, Post, Thread, ThreadKind, ThreadRead
from hub.models.threads import TITLE_MAX
from hub.permissions import Action
from hub.reads.bodies import access_network
from hub.reads.threads import ThreadWindow, thread_public
from hub.upsert import excluded, insert_for

# Also the API declaration's message for a blank value, so "" and invisible-only text read alike.
TITLE_REQUIRED = N_("Give the thread a title.")


def check_title(value: str | None) -> str:
    return check_line(value, "title", TITLE_MAX, required=TITLE_REQUIRED)


async def do_create_thread(
    ctx: Context,
    network_slug: str,
    *,
    title: str | None,
    body: str | None,
    attachment_ids: list[int] | None = None,
    kind: ThreadKind = ThreadKind.DISCUSSION,
) -> tuple[Thread, Post]:
    """Start a thread; its first post is `body`. Members of the network only.
    `kind` PROPOSAL is a proposal's discussion (hub.actions.proposal_review opens it)."""
    network = await access_network(ctx, network_slug, Action.POST_IN_NETWORK)
    user = ctx.require_user()
    title = check_title(title)
    body = check_body(body)
    now = utcnow()
    assert network.id is not None
    thread = Thread(
        network_id=network.id,
        title=title,
        kind=kind,
        author_id=user.id,
        created_at=now,
        last_activity_at=now,
    )
    ctx.db.add(thread)
    await ctx.db.flush()
    assert thread.id is not None
    post = (
        await do_write_post(ctx, thread, network, body=body, attachment_ids=attachment_ids)
    ).post
    await ctx.db.refresh(thread)  # the counts the first post set
    # One's own new thread is read; nobody else can have a marker on it yet.
    ctx.db.add(
        ThreadRead(
            thread_id=thread.id, user_id=user.id or 0, last_read_post_id=post.id or 0, seen_count=1
        )
    )
    await search.index_document(
        ctx,
        kind="thread",
        object_id=thread.id,
        network_id=network.id,
        thread_id=thread.id,
        author_id=user.id,
        content=title,
        new=True,
    )
    ctx.audit("thread.created", thread, network=network.slug)
    ctx.emit(notify_created(thread, network))
    return thread, post


def notify_created(thread: Thread, network: Network) -> Event:
    return Event(
        channel=channels.network(network.slug),
        type="thread.created",
        data=thread_public(thread, network),
    )


async def do_mark_thread_read(
    ctx: Context, window: ThreadWindow, *, any_unread_notices: bool = True
) -> int:
    """Move the reader's marker to the end of the window they were shown, and mark the
    thread's notifications read; the number of notifications marked (the bell counted them).

    `any_unread_notices=False` (the page's bell, counted in this request, showed none) skips
    marking the thread's notifications read: there is nothing to mark, and no write to make.
    """
    me = ctx.actor.id if ctx.actor else None
    if me is None or not window.posts:
        return 0
    up_to = max(p.post.id or 0 for p in window.posts)
    await _mark_read(ctx, window.thread, me, window.read, up_to)
    if not any_unread_notices:
        return 0
    return await mark_target_read(ctx, channels.thread(window.thread.id))


async def _mark_read(
    ctx: Context, thread: Thread, user_id: int, read: ThreadRead | None, up_to: int
) -> None:
    reached_end = up_to >= (thread.last_post_id or 0)
    if (
        read is not None
        and read.last_read_post_id >= up_to
        and (not reached_end or read.seen_count == thread.post_count)
    ):
        return  # nothing new was read: viewing a thread again writes nothing
    assert thread.id is not None
    # An upsert, not an insert after the look above: two first reads at once (two tabs, a
    # prefetch) both found no marker, and the database settles which one writes it.
    await _upsert_read_markers(
        ctx,
        [
            {
                "thread_id": thread.id,
                "user_id": user_id,
                "last_read_post_id": up_to,
                "seen_count": thread.post_count if reached_end else 0,
                "read_at": utcnow(),
            }
        ],
    )


async def _upsert_read_markers(ctx: Context, rows: list[dict[str, object]]) -> None:
    """Write read markers; an existing one only moves forward (a late, older read of the same
    thread does not undo a newer one)."""
    new = excluded(ctx.db, ThreadRead)
    last, seen = col(ThreadRead.last_read_post_id), col(ThreadRead.seen_count)
    statement = (
        insert_for(ctx.db, ThreadRead)
        .values(rows)
        .on_conflict_do_update(
            index_elements=["thread_id", "user_id"],
            set_={
                "last_read_post_id": case(
                    (new.last_read_post_id > last, new.last_read_post_id), else_=last
                ),
                "seen_count": case((new.seen_count > seen, new.seen_count), else_=seen),
                "read_at": new.read_at,
            },
        )
    )
    await ctx.db.exec(statement)


async def do_mark_all_read(ctx: Context, network: Network) -> None:
    """Mark every thread of the network read for the actor."""
    user = ctx.require_user()
    threads = (
        await ctx.db.exec(
            select(Thread.id, Thread.last_post_id, Thread.post_count).where(
                Thread.network_id == network.id
            )
        )
    ).all()
    if not threads:
        return
    now = utcnow()
    await _upsert_read_markers(
        ctx,
        [
            {
                "thread_id": thread_id,
                "user_id": user.id,
                "last_read_post_id": last_post_id or 0,
                "seen_count": post_count,
                "read_at": now,
            }
            for thread_id, last_post_id, post_count in threads
        ],
    )
