"""Threads, read: the access check (access_thread, shared by posts, moderation and the live
channels), a board page, a window of a thread's posts, and the thread's public shape.

Reading writes nothing: how far a reader has read is moved by hub.actions.threads.
do_mark_thread_read, which the thread page and the API call after the window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, false, func, or_
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid, NotFound
from hub.actions.validate import MAX_ID
from hub.models import Municipality, Network, Post, Thread, ThreadRead, User
from hub.permissions import Action
from hub.reads import cursors
from hub.reads.posts import VIEWS, Author, PostView, load_views


async def access_thread(
    ctx: Context, thread_id: int, action: Action = Action.VIEW_NETWORK
) -> tuple[Thread, Network]:
    """The thread and its network, if the actor may read it (else NotFound) and do `action`."""
    if not 0 < thread_id <= MAX_ID:  # no such row; the database would refuse the number
        raise NotFound(N_("No such thread."))
    found = (await ctx.db.exec(_THREAD, params={"thread_id": thread_id})).first()
    _check_access(ctx, found, action)
    assert found is not None
    return found


_THREAD = (  # built once: every post and every thread request starts here
    select(Thread, Network)
    .join(Network, col(Network.id) == Thread.network_id)
    .where(col(Thread.id) == bindparam("thread_id"))
)


def _check_access(ctx: Context, found: Any, action: Action) -> None:
    """NotFound unless the thread was found and the actor may read it; `action` required."""
    if found is None or not ctx.may(Action.VIEW_NETWORK, found[1]):
        raise NotFound(N_("No such thread."))
    if action is not Action.VIEW_NETWORK:
        ctx.require(action, found[1])


# The thread, its network and the reader's marker in one statement (thread_window's start).
_THREAD_AND_MARKER = (
    select(Thread, Network, ThreadRead)
    .join(Network, col(Network.id) == Thread.network_id)
    .join(
        ThreadRead,
        and_(
            col(ThreadRead.thread_id) == Thread.id,
            col(ThreadRead.user_id) == bindparam("me"),
        ),
        isouter=True,
    )
    .where(col(Thread.id) == bindparam("thread_id"))
)


async def _access_thread_and_marker(
    ctx: Context, thread_id: int
) -> tuple[Thread, Network, ThreadRead | None]:
    """access_thread, and the actor's read marker in the same query (None for anonymous)."""
    if ctx.actor is None or ctx.actor.id is None:
        thread, network = await access_thread(ctx, thread_id)
        return thread, network, None
    if not 0 < thread_id <= MAX_ID:
        raise NotFound(N_("No such thread."))
    row = await ctx.db.exec(
        _THREAD_AND_MARKER,
        params={"me": ctx.actor.id, "thread_id": thread_id},
    )
    found = row.first()
    _check_access(ctx, found, Action.VIEW_NETWORK)
    assert found is not None
    return found


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


@dataclass(frozen=True)
class BoardRow:
    thread: Thread
    author: Author | None
    last_author: Author | None
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


@lru_cache(maxsize=64)
def _board_query(chosen: BoardFilter, after_pinned: bool | None, limit: int) -> Any:
    """A board page's statement, built once per filter, kind of cursor (after a pinned thread,
    an unpinned one, or none) and size; the network, the reader and the cursor are bound."""
    me: BindParameter[int] = bindparam("me")
    author, last_author = _AUTHOR, _LAST_AUTHOR
    query = (
        select(  # type: ignore[call-overload]  # the authors as columns: no User loaded
            Thread,
            col(author.id),
            col(author.name),
            col(author.handle),
            col(author.municipality_id),
            col(last_author.id),
            col(last_author.name),
            col(last_author.handle),
            col(last_author.municipality_id),
            ThreadRead.seen_count,
        )
        .join(author, col(author.id) == Thread.author_id, isouter=True)
        .join(last_author, col(last_author.id) == Thread.last_author_id, isouter=True)
        .join(
            ThreadRead,
            and_(col(ThreadRead.thread_id) == Thread.id, col(ThreadRead.user_id) == me),
            isouter=True,
        )
        .where(col(Thread.network_id) == bindparam("network_id"))
    )
    if chosen is BoardFilter.UNANSWERED:
        query = query.where(Thread.post_count <= 1)
    elif chosen is BoardFilter.MINE:
        wrote = select(Post.id).where(Post.thread_id == Thread.id, col(Post.author_id) == me)
        query = query.where(or_(col(Thread.author_id) == me, wrote.exists()))
    elif chosen is BoardFilter.PROPOSALS:
        query = query.where(Thread.kind == "proposal")
    if after_pinned is not None:
        at: BindParameter[dt.datetime] = bindparam("at")
        thread_id: BindParameter[int] = bindparam("thread_id")
        # After a pinned thread come the unpinned ones; after an unpinned one, none.
        # (SQLAlchemy refuses `<` against a Python bool, so this is spelt out.)
        later_group: ColumnElement[bool] = (
            col(Thread.pinned).is_(False) if after_pinned else false()
        )
        query = query.where(
            or_(
                later_group,
                and_(
                    col(Thread.pinned) == after_pinned,
                    or_(
                        col(Thread.last_activity_at) < at,
                        and_(col(Thread.last_activity_at) == at, col(Thread.id) < thread_id),
                    ),
                ),
            )
        )
    return query.order_by(
        col(Thread.pinned).desc(), col(Thread.last_activity_at).desc(), col(Thread.id).desc()
    ).limit(limit)


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
    if chosen is BoardFilter.MINE and me is None:  # an anonymous reader wrote nothing
        return BoardPage()
    params: dict[str, object] = {"network_id": network.id, "me": me}
    after_pinned: bool | None = None
    if cursor:
        after_pinned, params["at"], params["thread_id"] = _decode_cursor(cursor)
    query = _board_query(chosen, after_pinned, limit + 1)
    rows = (await ctx.db.exec(query, params=params)).all()
    page = BoardPage()
    for row in rows[:limit]:
        thread, a_id, a_name, a_handle, a_place, l_id, l_name, l_handle, l_place, seen = row
        unread = max(0, thread.post_count - (seen or 0)) if me else 0
        a = Author(a_id, a_name, a_handle, a_place) if a_id is not None else None
        la = Author(l_id, l_name, l_handle, l_place) if l_id is not None else None
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
    read: ThreadRead | None  # the reader's marker as it was before this window
    # The posts' authors' local governments by id (for the names beside the posts).
    municipalities: dict[int, Municipality] = field(default_factory=dict)


@lru_cache(maxsize=64)
def _window_query(newest_first: bool, limit: int) -> Any:
    """A window's statement: up to `limit` posts of a thread before `before` (the newest of
    them) or after `after` (the oldest), built once per direction and size."""
    in_thread = col(Post.thread_id) == bindparam("thread_id")
    if newest_first:
        return (
            VIEWS.where(in_thread, col(Post.id) < bindparam("before"))
            .order_by(col(Post.id).desc())
            .limit(limit)
        )
    return (
        VIEWS.where(in_thread, col(Post.id) > bindparam("after"))
        .order_by(col(Post.id))
        .limit(limit)
    )


async def thread_window(
    ctx: Context,
    thread_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    around: int | None = None,
    limit: int = WINDOW,
) -> ThreadWindow:
    """A window of a thread's posts, oldest first, read with index range scans only. It
    writes nothing: the reader's marker moves with hub.actions.threads.do_mark_thread_read.

    With no position given the window starts at the reader's first unread post (or shows the
    newest posts when everything was read), so a thread of 10,000 posts opens as fast as 50.
    """
    thread, network, read = await _access_thread_and_marker(ctx, thread_id)
    limit = max(1, min(limit, MAX_WINDOW))
    me = ctx.actor.id if ctx.actor else None
    last_read = read.last_read_post_id if read else 0
    if around is not None:
        after = around - 1
        before = None
    elif after is None and before is None:
        if me is not None and last_read < (thread.last_post_id or 0):
            after = last_read  # from the first unread post
        else:  # the newest posts (threads written before last_post_id was kept: all of them)
            before = (thread.last_post_id or _NO_ID) + 1
    params = {"thread_id": thread.id}
    # The window's posts with all they show, one more than asked to know whether more follow.
    if before is not None:
        loaded = await load_views(ctx, _window_query(True, limit + 1), before=before, **params)
        views = loaded.views
        has_before, has_after = len(views) > limit, before <= (thread.last_post_id or 0)
        views = views[-limit:]
    else:
        start = after or 0
        loaded = await load_views(ctx, _window_query(False, limit + 1), after=start, **params)
        views = loaded.views
        has_after, has_before = len(views) > limit, start > 0 and bool(views)
        views = views[:limit]
        if has_before:
            earlier = await ctx.db.exec(
                select(Post.id)
                .where(col(Post.thread_id) == thread.id, col(Post.id) <= start)
                .limit(1)
            )
            has_before = earlier.first() is not None
    first_unread = next((p.post.id for p in views if (p.post.id or 0) > last_read), None)
    return ThreadWindow(
        thread,
        network,
        views,
        has_before,
        has_after,
        first_unread if me else None,
        read,
        loaded.municipalities,
    )


async def count_threads(ctx: Context, network: Network) -> int:
    row = await ctx.db.exec(
        select(func.count()).select_from(Thread).where(Thread.network_id == network.id)
    )
    return int(row.one())
