"""Threads: start one, read a board, read a thread in windows, remember how far one has read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import and_, case, false, func, or_
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from hub import channels
from hub.actions import search
from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.actions.notifications import mark_target_read
from hub.actions.posts import PostView, check_body, do_write_post, load_post_views
from hub.actions.validate import check_line
from hub.db import utcnow
from hub.events import Event
from hub.models import Network, Post, Thread, ThreadKind, ThreadRead, User
from hub.models.threads import TITLE_MAX
from hub.permissions import Action
from hub.reads import cursors
from hub.reads.bodies import access_network
from hub.reads.threads import access_thread
from hub.upsert import excluded, insert_for

# Also the API declaration's message for a blank value, so "" and invisible-only text read alike.
TITLE_REQUIRED = N_("Give the thread a title.")

BOARD_PAGE = 30
WINDOW = 50
MAX_WINDOW = 200
_NO_ID = 2**31 - 2  # above every id; the ids are 32-bit on PostgreSQL
_AUTHOR = aliased(User, name="author")  # built once, as in hub.actions.posts
_LAST_AUTHOR = aliased(User, name="last_author")


class BoardFilter(StrEnum):
    ALL = ""
    UNANSWERED = "unanswered"
    MINE = "mine"
    PROPOSALS = "proposals"


def check_title(value: str | None) -> str:
    return check_line(value, "title", TITLE_MAX, required=TITLE_REQUIRED)


def thread_public(thread: Thread, network: Network) -> dict[str, object]:
    return {
        "id": thread.id,
        "network": network.slug,
        "title": thread.title,
        "kind": thread.kind,
        "author_id": thread.author_id,
        "pinned": thread.pinned,
        "locked": thread.locked,
        "post_count": thread.post_count,
        "created_at": thread.created_at.isoformat(),
        "last_activity_at": thread.last_activity_at.isoformat(),
    }


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


@dataclass(frozen=True)
class BoardRow:
    thread: Thread
    author: User | None
    last_author: User | None
    unread: int  # posts not yet seen; equal to post_count for a thread never opened
    opened: bool


@dataclass
class BoardPage:
    rows: list[BoardRow] = field(default_factory=list)
    next_cursor: str | None = None


def _encode_cursor(thread: Thread) -> str:
    return cursors.encode(thread.pinned, thread.last_activity_at, thread.id or 0)


def _decode_cursor(cursor: str) -> tuple[bool, dt.datetime, int]:
    pinned, at, thread_id = cursors.decode(cursor, bool, dt.datetime, int)
    return pinned, at, thread_id


async def board(
    ctx: Context,
    network: Network,
    *,
    filter_: str = "",
    cursor: str | None = None,
    limit: int = BOARD_PAGE,
) -> BoardPage:
    """A page of the network's threads: pinned first, then by last activity. Two queries."""
    try:
        chosen = BoardFilter(filter_ or "")
    except ValueError:
        raise Invalid(N_("Unknown filter."), field="filter") from None
    me = ctx.actor.id if ctx.actor else None
    author, last_author = _AUTHOR, _LAST_AUTHOR
    query = (
        select(Thread, author, last_author, ThreadRead.seen_count)
        .join(author, col(author.id) == Thread.author_id, isouter=True)
        .join(last_author, col(last_author.id) == Thread.last_author_id, isouter=True)
        .join(
            ThreadRead,
            and_(col(ThreadRead.thread_id) == Thread.id, col(ThreadRead.user_id) == me),
            isouter=True,
        )
        .where(Thread.network_id == network.id)
    )
    if chosen is BoardFilter.UNANSWERED:
        query = query.where(Thread.post_count <= 1)
    elif chosen is BoardFilter.MINE:
        if me is None:  # an anonymous reader wrote nothing
            return BoardPage()
        wrote = select(Post.id).where(Post.thread_id == Thread.id, Post.author_id == me)
        query = query.where(or_(col(Thread.author_id) == me, wrote.exists()))
    elif chosen is BoardFilter.PROPOSALS:
        query = query.where(Thread.kind == "proposal")
    if cursor:
        pinned, at, thread_id = _decode_cursor(cursor)
        # After a pinned thread come the unpinned ones; after an unpinned one, none.
        # (SQLAlchemy refuses `<` against a Python bool, so this is spelt out.)
        later_group: ColumnElement[bool] = col(Thread.pinned).is_(False) if pinned else false()
        query = query.where(
            or_(
                later_group,
                and_(
                    col(Thread.pinned) == pinned,
                    or_(
                        col(Thread.last_activity_at) < at,
                        and_(col(Thread.last_activity_at) == at, col(Thread.id) < thread_id),
                    ),
                ),
            )
        )
    query = query.order_by(
        col(Thread.pinned).desc(), col(Thread.last_activity_at).desc(), col(Thread.id).desc()
    ).limit(limit + 1)
    rows = (await ctx.db.exec(query)).all()
    page = BoardPage()
    for thread, a, la, seen in rows[:limit]:
        unread = max(0, thread.post_count - (seen or 0)) if me else 0
        page.rows.append(BoardRow(thread, a, la, unread, seen is not None))
    if len(rows) > limit:
        page.next_cursor = _encode_cursor(rows[limit - 1][0])
    return page


@dataclass
class ThreadWindow:
    thread: Thread
    network: Network
    posts: list[PostView]
    has_before: bool
    has_after: bool
    first_unread_id: int | None
    marked: int = 0  # notifications about the thread this view marked read


async def thread_window(
    ctx: Context,
    thread_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    around: int | None = None,
    limit: int = WINDOW,
    any_unread_notices: bool = True,
) -> ThreadWindow:
    """A window of a thread's posts, oldest first, read with index range scans only.

    `any_unread_notices=False` (the page's bell, counted in this request, showed none) skips
    marking the thread's notifications read: there is nothing to mark, and no write to make.

    With no position given the window starts at the reader's first unread post (or shows the
    newest posts when everything was read), so a thread of 10,000 posts opens as fast as 50.
    """
    thread, network = await access_thread(ctx, thread_id)
    limit = max(1, min(limit, MAX_WINDOW))
    me = ctx.actor.id if ctx.actor else None
    read: ThreadRead | None = None
    if me is not None:
        read = (
            await ctx.db.exec(
                select(ThreadRead).where(
                    ThreadRead.thread_id == thread.id, ThreadRead.user_id == me
                )
            )
        ).first()
    last_read = read.last_read_post_id if read else 0
    base = select(Post.id).where(Post.thread_id == thread.id)
    if around is not None:
        after = around - 1
        before = None
    elif after is None and before is None:
        if me is not None and last_read < (thread.last_post_id or 0):
            after = last_read  # from the first unread post
        else:  # the newest posts (threads written before last_post_id was kept: all of them)
            before = (thread.last_post_id or _NO_ID) + 1
    if before is not None:
        id_rows = await ctx.db.exec(
            base.where(col(Post.id) < before).order_by(col(Post.id).desc()).limit(limit + 1)
        )
        ids = list(id_rows.all())
        has_before, has_after = len(ids) > limit, before <= (thread.last_post_id or 0)
        ids = sorted(ids[:limit], key=lambda i: i or 0)
    else:
        start = after or 0
        id_rows = await ctx.db.exec(
            base.where(col(Post.id) > start).order_by(col(Post.id)).limit(limit + 1)
        )
        ids = list(id_rows.all())
        has_after, has_before = len(ids) > limit, start > 0 and bool(ids)
        ids = ids[:limit]
        if has_before:
            earlier = await ctx.db.exec(base.where(col(Post.id) <= start).limit(1))
            has_before = earlier.first() is not None
    posts = await load_post_views(ctx, network, [i for i in ids if i is not None])
    first_unread = next((p.post.id for p in posts if (p.post.id or 0) > last_read), None)
    marked = 0
    if me is not None and posts:
        await _mark_read(ctx, thread, me, read, max(p.post.id or 0 for p in posts))
        if any_unread_notices:
            marked = await mark_target_read(ctx, channels.thread(thread.id))
    return ThreadWindow(
        thread, network, posts, has_before, has_after, first_unread if me else None, marked
    )


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


async def count_threads(ctx: Context, network: Network) -> int:
    row = await ctx.db.exec(
        select(func.count()).select_from(Thread).where(Thread.network_id == network.id)
    )
    return int(row.one())
