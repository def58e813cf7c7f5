"""Posts: write one (edits, deletion, reactions: post_changes; reading them: hub.reads.posts)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Update, bindparam, case, func, insert, update

from hub import channels, ratelimit
from hub.actions import search
from hub.actions.attachments import claim_uploads
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid, RateLimited
from hub.actions.notifications import Kind, notify_people
from hub.actions.validate import check_text
from hub.db import UTCDateTime, execute, utcnow
from hub.events import Event
from hub.models import Mention, Network, Post, Thread, User
from hub.models.threads import BODY_MAX
from hub.permissions import Action
from hub.reads.mentions import handles_in, link_mentions, readers_among
from hub.reads.posts import Author, PostView, post_public
from hub.reads.threads import access_thread
from hub.text.markdown import render

# Also the API declaration's message for a blank value, so "" and invisible-only text read alike.
BODY_REQUIRED = N_("Write something first.")

DELETED = "deleted"


def check_body(value: str | None) -> str:
    return check_text(value, "body", BODY_MAX, required=BODY_REQUIRED)


async def render_body(ctx: Context, network: Network, body: str) -> tuple[str, dict[str, User]]:
    """Sanitised HTML for `body`, with mentions of people who may read the network linked."""
    mentioned = await readers_among(ctx, network, handles_in(body))
    return link_mentions(render(body), mentioned), mentioned


async def check_posting_rate(ctx: Context, user: User) -> None:
    """At most HUB_POSTS_PER_MINUTE posts a minute per person (S6): a flood stops, a lively
    discussion does not. Counted before writing, so a refused post writes nothing."""
    limit = ctx.runtime.settings.posts_per_minute
    if limit <= 0:
        return
    wait = await ratelimit.take(ctx.runtime.redis, f"post:user:{user.id}", limit, 60)
    if wait:
        raise RateLimited(
            N_("You are posting very fast. Try again in %(seconds)d seconds."),
            retry_after=wait,
            seconds=wait,
        )


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
    # A Core INSERT: nothing in this transaction reads the row back through the session.
    row = {c: getattr(post, c) for c in _POST_COLUMNS}
    post.id = int((await execute(ctx.db, _INSERT_POST, row)).scalar_one())
    files = await claim_uploads(ctx, post, attachment_ids or [])
    for mentioned_user in mentioned.values():
        if mentioned_user.id != user.id:
            ctx.db.add(Mention(post_id=post.id, user_id=mentioned_user.id or 0))
    await _bump_thread(ctx, thread, post)
    await search.index_post(ctx, post, network.id, new=True)
    view = PostView(post=post, author=Author.of(user), attachments=files)
    ctx.emit(notify_post_created(thread, view))
    await notify_post(ctx, post, thread, network, mentioned, {parent_author, thread.author_id})
    return view


_POSTS = Post.__table__  # type: ignore[attr-defined]
_POST_COLUMNS = tuple(c.key for c in _POSTS.columns if c.key != "id")
_INSERT_POST = insert(_POSTS).returning(_POSTS.c.id)


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
    params = {"thread": thread.id, "new_post": post.id, "new_author": post.author_id}
    await execute(ctx.db, _BUMP_THREAD, {**params, "new_at": post.created_at})


def _bump_thread_statement() -> Update:
    threads = Thread.__table__  # type: ignore[attr-defined]
    newer = func.coalesce(threads.c.last_post_id, 0) < bindparam("new_post")
    return (
        update(threads)
        .where(threads.c.id == bindparam("thread"))
        .values(
            post_count=threads.c.post_count + 1,
            last_post_id=case((newer, bindparam("new_post")), else_=threads.c.last_post_id),
            last_author_id=case((newer, bindparam("new_author")), else_=threads.c.last_author_id),
            last_activity_at=case(
                (newer, bindparam("new_at", type_=UTCDateTime())),
                else_=threads.c.last_activity_at,
            ),
        )
    )


_BUMP_THREAD = _bump_thread_statement()  # built once: building it cost more than running it


async def do_reply(
    ctx: Context,
    thread_id: int,
    *,
    body: str | None,
    reply_to: int | None = None,
    attachment_ids: list[int] | None = None,
) -> PostView:
    """Reply in a thread: members of its network, while the thread is not locked. The one write
    of a post into an existing thread (pages, API, seed, tests), answering the new post as its
    readers see it (`.post` is the row)."""
    thread, network = await access_thread(ctx, thread_id, Action.POST_IN_NETWORK)
    if thread.locked:
        raise Conflict(N_("This thread is locked: no new posts."))
    body = check_body(body)
    return await do_write_post(
        ctx, thread, network, body=body, reply_to=reply_to, attachment_ids=attachment_ids
    )
