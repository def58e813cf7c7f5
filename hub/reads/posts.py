"""Posts, read: the access checks (access_post, access_post_to_edit and the one rule of who may
change a post), the views a thread shows (authors, replied-to posts, reactions, attachments),
the history of a post, and the post's public shape. Writing is hub.actions.posts and
hub.actions.post_changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, ActionError, Conflict, Forbidden, NotFound
from hub.models import Attachment, Municipality, Network, Post, PostRevision, Reaction, Thread, User
from hub.permissions import Action
from hub.reads.attachments import attachments_of

# Built once: an alias made per call costs SQLAlchemy a fresh column collection to adapt every
# time (a fifth of a busy server's time when posts arrive 20 a second; see docs/performance.md).
_AUTHOR = aliased(User, name="author")


_PARENT = aliased(Post, name="parent")


_PARENT_AUTHOR = aliased(User, name="parent_author")


@dataclass(frozen=True)
class Author:
    """Who wrote a post, as far as a post shows them (columns, not a loaded User)."""

    id: int
    name: str
    handle: str | None
    municipality_id: int | None

    @classmethod
    def of(cls, user: User | None) -> Author | None:
        if user is None or user.id is None:
            return None
        return cls(user.id, user.name, user.handle, user.municipality_id)


@dataclass(frozen=True)
class PostRef:
    """The post a post replies to, as far as a post shows it: a link."""

    id: int


@dataclass
class PostView:
    """A post with what the page shows beside it, loaded in a constant number of queries."""

    post: Post
    author: Author | None
    reply_to: PostRef | None = None
    reply_author: Author | None = None
    reactions: dict[str, int] = field(default_factory=dict)
    mine: set[str] = field(default_factory=set)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return self.post.deleted_at is None and self.post.hidden_at is None


def post_public(view: PostView, *, moderator: bool = False) -> dict[str, object]:
    """The API's shape of a post. A deleted or hidden post keeps its place without its text."""
    post = view.post
    shown = view.visible or (moderator and post.deleted_at is None)
    author = view.author
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "author": {"id": author.id, "name": author.name, "handle": author.handle}
        if author
        else None,
        "body": post.body if shown else "",
        "html": post.html if shown else "",
        "reply_to": post.reply_to_id,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "edit_count": post.edit_count,
        "deleted": post.deleted_at is not None,
        "hidden": post.hidden_at is not None,
        "reactions": view.reactions,
        "my_reactions": sorted(view.mine),
        "attachments": [
            {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
            for a in view.attachments
        ]
        if shown
        else [],
    }


# A post with its author, the replied-to post and its author (columns: no User or Post loaded
# for them), and the author's local government.
_VIEW_COLUMNS = (
    Post,
    col(_AUTHOR.id),
    col(_AUTHOR.name),
    col(_AUTHOR.handle),
    col(_AUTHOR.municipality_id),
    col(_PARENT.id),
    col(_PARENT_AUTHOR.id),
    col(_PARENT_AUTHOR.name),
    col(_PARENT_AUTHOR.handle),
    col(_PARENT_AUTHOR.municipality_id),
    Municipality,
)


def _joined(query: Any) -> Any:
    return (
        query.join(_AUTHOR, col(_AUTHOR.id) == Post.author_id, isouter=True)
        .join(_PARENT, col(_PARENT.id) == Post.reply_to_id, isouter=True)
        .join(_PARENT_AUTHOR, col(_PARENT_AUTHOR.id) == _PARENT.author_id, isouter=True)
        .join(Municipality, col(Municipality.id) == _AUTHOR.municipality_id, isouter=True)
    )


VIEWS = _joined(select(*_VIEW_COLUMNS))  # type: ignore[call-overload]
_BY_IDS = VIEWS.where(col(Post.id).in_(bindparam("post_ids", expanding=True))).order_by(
    col(Post.id)
)


def _view(row: Any) -> tuple[PostView, Municipality | None]:
    """A PostView of a row of _VIEW_COLUMNS (reactions and attachments still to come)."""
    post, a_id, a_name, a_handle, a_place, parent_id, r_id, r_name, r_handle, r_place, place = row
    view = PostView(
        post=post,
        author=Author(a_id, a_name, a_handle, a_place) if a_id is not None else None,
        reply_to=PostRef(parent_id) if parent_id is not None else None,
        reply_author=Author(r_id, r_name, r_handle, r_place) if r_id is not None else None,
    )
    return view, place


@dataclass
class LoadedViews:
    """Posts oldest first with what they show, and their authors' local governments by id."""

    views: list[PostView]
    municipalities: dict[int, Municipality]


async def load_views(ctx: Context, query: Any, **params: Any) -> LoadedViews:
    """The posts a statement made of VIEWS finds (with `params` bound), oldest first, with
    authors, replied-to posts, authors' local governments, reactions and attachments: three
    statements, whatever their number."""
    rows = (await ctx.db.exec(query, params=params)).all()
    views: dict[int, PostView] = {}
    places: dict[int, Municipality] = {}
    for row in rows:
        view, place = _view(row)
        views[view.post.id or 0] = view
        if place is not None and place.id is not None:
            places[place.id] = place
    if views:
        await _complete(ctx, views)
    return LoadedViews([views[i] for i in sorted(views)], places)


async def load_post_views(ctx: Context, network: Network, post_ids: list[int]) -> list[PostView]:
    """Posts by id, oldest first, with authors, replied-to posts, reactions and attachments."""
    if not post_ids:
        return []
    return (await load_views(ctx, _BY_IDS, post_ids=post_ids)).views


_IN_PLACE = _joined(
    select(Thread, Network, *_VIEW_COLUMNS)  # type: ignore[call-overload]
    .select_from(Post)
    .join(Thread, col(Thread.id) == Post.thread_id)
    .join(Network, col(Network.id) == Thread.network_id)
).where(col(Post.id) == bindparam("post_id"))


@dataclass(frozen=True)
class PostInPlace:
    """A post as its thread shows it, with what decides who sees what (a live update's partial)."""

    view: PostView
    thread: Thread
    network: Network
    municipalities: dict[int, Municipality]
    # Read once for the checks each receiving socket makes (an ORM attribute costs more).
    network_id: int = 0
    author_id: int | None = None


async def load_post_in_place(
    ctx: Context, post_id: int, new: dict[str, Any] | None = None
) -> PostInPlace | None:
    """One post for a live update, without a permission check (the caller filters readers):
    three queries where access_post, load_post_views and municipalities_of take five.

    `new`: a new post's public shape as its post.created event carries it (post_public). Its
    reactions (none yet) and attachments are taken from there: one query. What changes later
    comes with its own event (post.edited, a reaction's)."""
    found = (await ctx.db.exec(_IN_PLACE, params={"post_id": post_id})).first()
    if found is None:
        return None
    view, place = _view(found[2:])
    thread, network = found[0], found[1]
    if new is not None and new.get("reactions") == {} and isinstance(new.get("attachments"), list):
        view.attachments = [  # never stored: the stored name and digest are not shown
            Attachment(
                id=a["id"],
                post_id=post_id,
                filename=a["filename"],
                content_type=a["content_type"],
                size=a["size"],
                stored_name="",
                sha256="",
            )
            for a in new["attachments"]
        ]
    else:
        await _complete(ctx, {post_id: view})
    places = {place.id: place} if place is not None and place.id is not None else {}
    return PostInPlace(view, thread, network, places, network.id or 0, view.post.author_id)


# Each post's reactions by kind, and how many of them are the reader's own (0 or 1), at once.
_REACTIONS = (
    select(
        Reaction.post_id,
        Reaction.kind,
        func.count(),
        func.count(case((col(Reaction.user_id) == bindparam("me"), 1))),
    )
    .where(col(Reaction.post_id).in_(bindparam("post_ids", expanding=True)))
    .group_by(col(Reaction.post_id), col(Reaction.kind))
)


async def _complete(ctx: Context, views: dict[int, PostView]) -> None:
    """Add reactions (and the actor's own) and attachments to the views: two statements."""
    post_ids = list(views)
    me = ctx.actor.id if ctx.actor is not None else None
    counts = await ctx.db.exec(
        _REACTIONS,
        params={"me": me, "post_ids": post_ids},
    )
    for post_id, kind, n, mine in counts.all():
        views[post_id].reactions[kind] = int(n)
        if mine:
            views[post_id].mine.add(kind)
    for post_id, files in (await attachments_of(ctx, post_ids)).items():
        views[post_id].attachments = files


async def access_post(
    ctx: Context, post_id: int, action: Action = Action.VIEW_NETWORK
) -> tuple[Post, Thread, Network]:
    row = await ctx.db.exec(
        select(Post, Thread, Network)
        .join(Thread, col(Thread.id) == Post.thread_id)
        .join(Network, col(Network.id) == Thread.network_id)
        .where(Post.id == post_id)
    )
    found = row.first()
    if found is None or not ctx.may(Action.VIEW_NETWORK, found[2]):
        raise NotFound(N_("No such post."))
    if action is not Action.VIEW_NETWORK:
        ctx.require(action, found[2])
    return found


async def quotable(ctx: Context, post_id: int, thread_id: int) -> PostView | None:
    """A post of `thread_id` the actor may quote (readable, neither deleted nor hidden)."""
    post, thread, _network = await access_post(ctx, post_id)
    if thread.id != thread_id or post.deleted_at is not None or post.hidden_at is not None:
        return None
    author = await ctx.db.get(User, post.author_id) if post.author_id else None
    return PostView(post=post, author=Author.of(author))


async def municipalities_of(
    ctx: Context, users: Sequence[User | Author | None]
) -> dict[int, Municipality]:
    """The local governments of `users` by id, in one query (for the names beside posts)."""
    ids = {u.municipality_id for u in users if u is not None and u.municipality_id}
    if not ids:
        return {}
    rows = await ctx.db.exec(select(Municipality).where(col(Municipality.id).in_(ids)))
    return {m.id or 0: m for m in rows.all()}


def may_change(post: Post, *, actor_id: int | None, moderator: bool) -> bool:
    """Whether the actor may edit or delete `post` at all: its author, or a coordinator of its
    network (`moderator`). Pure, so the pages ask it about each post they show."""
    return (actor_id is not None and post.author_id == actor_id) or moderator


def edit_refusal(
    post: Post, *, actor_id: int | None, moderator: bool, locked: bool
) -> ActionError | None:
    """Why the actor may not edit `post` now, or None if they may: the one rule, raised by
    do_edit_post and asked by the thread page before it offers an Edit link."""
    if not may_change(post, actor_id=actor_id, moderator=moderator):
        return Forbidden(N_("You can only edit your own posts."))
    if post.deleted_at is not None:
        return Conflict(N_("A deleted post cannot be edited."))
    if locked and not moderator:
        return Conflict(N_("This thread is locked: no new posts."))
    return None


async def access_post_to_edit(ctx: Context, post_id: int) -> tuple[Post, Thread, Network]:
    """The post, if the actor may edit it now (the checks of do_edit_post, without writing)."""
    post, thread, network = await access_post(ctx, post_id)
    user = ctx.require_user()
    moderator = ctx.may(Action.MODERATE_NETWORK, network)
    refusal = edit_refusal(post, actor_id=user.id, moderator=moderator, locked=thread.locked)
    if refusal is not None:
        raise refusal
    return post, thread, network


async def reaction_counts(ctx: Context, post_id: int) -> dict[str, int]:
    rows = await ctx.db.exec(
        select(Reaction.kind, func.count())
        .where(Reaction.post_id == post_id)
        .group_by(col(Reaction.kind))
    )
    return {kind: int(n) for kind, n in rows.all()}


async def post_history(
    ctx: Context, post_id: int
) -> tuple[Post, Thread, Network, list[PostRevision]]:
    """Earlier versions of a post, oldest first (readers; the text of a deleted or hidden post
    only for moderators)."""
    post, thread, network = await access_post(ctx, post_id)
    gone = post.deleted_at is not None or post.hidden_at is not None
    if gone and not ctx.may(Action.MODERATE_NETWORK, network):
        return post, thread, network, []
    rows = await ctx.db.exec(
        select(PostRevision).where(PostRevision.post_id == post.id).order_by(col(PostRevision.id))
    )
    return post, thread, network, list(rows.all())
