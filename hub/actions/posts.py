"""Posts: write one, and load them for display (edits, deletion, reactions: post_changes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hub import channels, ratelimit
from hub.actions import search
from hub.actions.attachments import attachments_of, claim_uploads
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid, NotFound, RateLimited
from hub.actions.mentions import handles_in, link_mentions, readers_among
from hub.actions.notifications import Kind, notify_people
from hub.actions.validate import check_text
from hub.db import UTCDateTime, utcnow
from hub.events import Event
from hub.markdown import render
from hub.models import (
    Attachment,
    Mention,
    Municipality,
    Network,
    Post,
    Reaction,
    Thread,
    User,
)
from hub.models.threads import BODY_MAX
from hub.permissions import Action
from hub.reads.threads import access_thread

# Also the API declaration's message for a blank value, so "" and invisible-only text read alike.
BODY_REQUIRED = N_("Write something first.")

DELETED = "deleted"

# Built once: an alias made per call costs SQLAlchemy a fresh column collection to adapt every
# time (a fifth of a busy server's time when posts arrive 20 a second; see docs/performance.md).
_AUTHOR = aliased(User, name="author")
_PARENT = aliased(Post, name="parent")
_PARENT_AUTHOR = aliased(User, name="parent_author")


def check_body(value: str | None) -> str:
    return check_text(value, "body", BODY_MAX, required=BODY_REQUIRED)


async def render_body(ctx: Context, network: Network, body: str) -> tuple[str, dict[str, User]]:
    """Sanitised HTML for `body`, with mentions of people who may read the network linked."""
    mentioned = await readers_among(ctx, network, handles_in(body))
    return link_mentions(render(body), mentioned), mentioned


@dataclass
class PostView:
    """A post with what the page shows beside it, loaded in a constant number of queries."""

    post: Post
    author: User | None
    reply_to: Post | None = None
    reply_author: User | None = None
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


async def load_post_views(ctx: Context, network: Network, post_ids: list[int]) -> list[PostView]:
    """Posts by id, oldest first, with authors, replied-to posts, reactions and attachments."""
    if not post_ids:
        return []
    author, parent, parent_author = _AUTHOR, _PARENT, _PARENT_AUTHOR
    rows = await ctx.db.exec(
        select(Post, author, parent, parent_author)
        .join(author, col(author.id) == Post.author_id, isouter=True)
        .join(parent, col(parent.id) == Post.reply_to_id, isouter=True)
        .join(parent_author, col(parent_author.id) == parent.author_id, isouter=True)
        .where(col(Post.id).in_(post_ids))
        .order_by(col(Post.id))
    )
    views = {
        p.id or 0: PostView(post=p, author=a, reply_to=rp, reply_author=ra)
        for p, a, rp, ra in rows.all()
    }
    await _complete(ctx, views)
    return [views[i] for i in sorted(views)]


@dataclass(frozen=True)
class PostInPlace:
    """A post as its thread shows it, with what decides who sees what (a live update's partial)."""

    view: PostView
    thread: Thread
    network: Network
    municipalities: dict[int, Municipality]


async def load_post_in_place(ctx: Context, post_id: int) -> PostInPlace | None:
    """One post for a live update, without a permission check (the caller filters readers):
    three queries where access_post, load_post_views and municipalities_of take five."""
    found = (
        await ctx.db.exec(
            select(  # type: ignore[call-overload]
                Post, Thread, Network, _AUTHOR, _PARENT, _PARENT_AUTHOR, Municipality
            )
            .join(Thread, col(Thread.id) == Post.thread_id)
            .join(Network, col(Network.id) == Thread.network_id)
            .join(_AUTHOR, col(_AUTHOR.id) == Post.author_id, isouter=True)
            .join(_PARENT, col(_PARENT.id) == Post.reply_to_id, isouter=True)
            .join(_PARENT_AUTHOR, col(_PARENT_AUTHOR.id) == _PARENT.author_id, isouter=True)
            .join(Municipality, col(Municipality.id) == _AUTHOR.municipality_id, isouter=True)
            .where(Post.id == post_id)
        )
    ).first()
    if found is None:
        return None
    post, thread, network, author, parent, parent_author, place = found
    view = PostView(post=post, author=author, reply_to=parent, reply_author=parent_author)
    await _complete(ctx, {post_id: view})
    places = {place.id: place} if place is not None and place.id is not None else {}
    return PostInPlace(view, thread, network, places)


async def _complete(ctx: Context, views: dict[int, PostView]) -> None:
    """Add reactions (and the actor's own) and attachments to the views."""
    post_ids = list(views)
    counts = await ctx.db.exec(
        select(Reaction.post_id, Reaction.kind, func.count())
        .where(col(Reaction.post_id).in_(post_ids))
        .group_by(col(Reaction.post_id), col(Reaction.kind))
    )
    for post_id, kind, n in counts.all():
        views[post_id].reactions[kind] = int(n)
    if ctx.actor is not None:
        mine = await ctx.db.exec(
            select(Reaction.post_id, Reaction.kind).where(
                col(Reaction.post_id).in_(post_ids), Reaction.user_id == ctx.actor.id
            )
        )
        for post_id, kind in mine.all():
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


async def check_posting_rate(ctx: Context, user: User) -> None:
    """At most HUB_POSTS_PER_MINUTE posts a minute per person (S6): a flood stops, a lively
    discussion does not. Counted before writing, so a refused post writes nothing."""
    limit = ctx.runtime.settings.posts_per_minute
    if limit <= 0:
        return
    key = f"post:user:{user.id}"
    wait = await ratelimit.blocked_for(ctx.runtime.redis, key, limit)
    if wait:
        raise RateLimited(
            N_("You are posting very fast. Try again in %(seconds)d seconds."),
            retry_after=wait,
            seconds=wait,
        )
    await ratelimit.hit(ctx.runtime.redis, key, 60)


async def do_write_post(
    ctx: Context,
    thread: Thread,
    network: Network,
    *,
    body: str,
    reply_to: int | None = None,
    attachment_ids: list[int] | None = None,
) -> PostView:
    """Write a checked post into `thread` (shared by new threads and replies): the new post as
    its readers see it, without loading it again (it has no reactions yet)."""
    user = ctx.require_user()
    await check_posting_rate(ctx, user)
    parent_author: int | None = None
    if reply_to is not None:
        parent = await ctx.db.get(Post, reply_to)
        if parent is None or parent.thread_id != thread.id:
            raise Invalid(N_("You can only reply to a post of this thread."), field="reply_to")
        parent_author = parent.author_id
    html, mentioned = await render_body(ctx, network, body)
    assert thread.id is not None and network.id is not None
    post = Post(
        thread_id=thread.id,
        author_id=user.id,
        body=body,
        html=html,
        reply_to_id=reply_to,
        created_at=utcnow(),
    )
    ctx.db.add(post)
    await ctx.db.flush()
    assert post.id is not None
    files = await claim_uploads(ctx, post, attachment_ids or [])
    for mentioned_user in mentioned.values():
        if mentioned_user.id != user.id:
            ctx.db.add(Mention(post_id=post.id, user_id=mentioned_user.id or 0))
    await _bump_thread(ctx, thread, post)
    await search.index_post(ctx, post, network.id, new=True)
    view = PostView(post=post, author=user, attachments=files)
    ctx.emit(notify_post_created(thread, view))
    await notify_post(ctx, post, thread, network, mentioned, {parent_author, thread.author_id})
    return view


def notify_post_created(thread: Thread, view: PostView) -> Event:
    return Event(channel=channels.thread(thread.id), type="post.created", data=post_public(view))


async def notify_post(
    ctx: Context,
    post: Post,
    thread: Thread,
    network: Network,
    mentioned: dict[str, User],
    replied_to: Iterable[int | None] = (),
) -> None:
    """`mentioned` people are told so; the authors of the replied-to post and of the thread
    hear of a reply unless mentioned in it (one notice per post and person)."""

    async def tell(kind: Kind, users: Iterable[int | None]) -> None:
        await notify_people(
            ctx,
            kind,
            users,
            source_id=post.id or 0,
            target=channels.thread(thread.id),
            url=f"/threads/{thread.id}#post-{post.id}",
            title=thread.title,
            network=network,
        )

    named = {u.id for u in mentioned.values()}
    await tell(Kind.MENTIONED, named)
    await tell(Kind.REPLY, {u for u in replied_to if u not in named})


async def _bump_thread(ctx: Context, thread: Thread, post: Post) -> None:
    """Count a new post with one atomic UPDATE, safe when several people post at once.

    Concurrent writers may commit out of id order, so "last" only ever moves forward. `thread`
    keeps the values it was loaded with: whoever needs the new counts refreshes it.
    """
    newer = func.coalesce(Thread.last_post_id, 0) < post.id
    await ctx.db.exec(
        update(Thread)
        .where(col(Thread.id) == thread.id)
        .values(
            post_count=Thread.post_count + 1,
            last_post_id=case((newer, post.id), else_=Thread.last_post_id),
            last_author_id=case((newer, post.author_id), else_=Thread.last_author_id),
            last_activity_at=case(
                (newer, literal(post.created_at, UTCDateTime())),
                else_=Thread.last_activity_at,
            ),
        )
        .execution_options(synchronize_session=False)
    )


async def do_create_post(
    ctx: Context,
    thread_id: int,
    *,
    body: str | None,
    reply_to: int | None = None,
    attachment_ids: list[int] | None = None,
) -> Post:
    """Reply in a thread: members of its network, while the thread is not locked."""
    view = await do_reply(
        ctx, thread_id, body=body, reply_to=reply_to, attachment_ids=attachment_ids
    )
    return view.post


async def do_reply(
    ctx: Context,
    thread_id: int,
    *,
    body: str | None,
    reply_to: int | None = None,
    attachment_ids: list[int] | None = None,
) -> PostView:
    """do_create_post, answering with the new post as its readers see it (the JSON API)."""
    thread, network = await access_thread(ctx, thread_id, Action.POST_IN_NETWORK)
    if thread.locked:
        raise Conflict(N_("This thread is locked: no new posts."))
    body = check_body(body)
    return await do_write_post(
        ctx, thread, network, body=body, reply_to=reply_to, attachment_ids=attachment_ids
    )


async def quotable(ctx: Context, post_id: int, thread_id: int) -> PostView | None:
    """A post of `thread_id` the actor may quote (readable, neither deleted nor hidden)."""
    post, thread, _network = await access_post(ctx, post_id)
    if thread.id != thread_id or post.deleted_at is not None or post.hidden_at is not None:
        return None
    author = await ctx.db.get(User, post.author_id) if post.author_id else None
    return PostView(post=post, author=author)


async def municipalities_of(ctx: Context, users: list[User | None]) -> dict[int, Municipality]:
    """The local governments of `users` by id, in one query (for the names beside posts)."""
    ids = {u.municipality_id for u in users if u is not None and u.municipality_id}
    if not ids:
        return {}
    rows = await ctx.db.exec(select(Municipality).where(col(Municipality.id).in_(ids)))
    return {m.id or 0: m for m in rows.all()}
