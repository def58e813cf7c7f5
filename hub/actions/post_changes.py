"""Posts changed after they were written: edit (with history), soft-delete, react."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlmodel import col, select

from hub import channels
from hub.actions import search
from hub.actions.context import Context
from hub.actions.errors import N_, ActionError, Conflict, Forbidden, Invalid
from hub.actions.posts import (
    PostView,
    access_post,
    check_body,
    load_post_views,
    notify_post,
    post_public,
    render_body,
)
from hub.db import utcnow
from hub.events import Event
from hub.models import Mention, Network, Post, PostRevision, Reaction, ReactionKind, Thread, User
from hub.permissions import Action
from hub.upsert import insert_ignore


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


async def _keep_revision(ctx: Context, post: Post) -> None:
    ctx.db.add(
        PostRevision(
            post_id=post.id or 0,
            body=post.body,
            html=post.html,
            written_at=post.edited_at or post.created_at,
            editor_id=ctx.actor.id if ctx.actor else None,
        )
    )


async def _record_new_mentions(ctx: Context, post: Post, mentioned: dict[str, User]) -> None:
    """An edit that mentions someone new records the mention, as a new post would."""
    known = set(
        (await ctx.db.exec(select(Mention.user_id).where(Mention.post_id == post.id))).all()
    )
    for user in mentioned.values():
        if user.id not in known and user.id != post.author_id:
            # Two edits at once may both mention someone new: the second adds nothing.
            values = {"post_id": post.id or 0, "user_id": user.id or 0}
            await insert_ignore(ctx.db, Mention, values, ["post_id", "user_id"])


async def do_edit_post(ctx: Context, post_id: int, *, body: str | None) -> Post:
    """Edit a post (its author, or a coordinator); the earlier version is kept in its history."""
    post, thread, network = await access_post_to_edit(ctx, post_id)
    body = check_body(body)
    if body == post.body:
        return post
    await _keep_revision(ctx, post)
    post.html, mentioned = await render_body(ctx, network, body)
    await _record_new_mentions(ctx, post, mentioned)
    await notify_post(ctx, post, thread, network, mentioned)
    post.body = body
    post.edited_at = utcnow()
    post.edit_count += 1
    ctx.db.add(post)
    await search.index_post(ctx, post, network.id or 0)
    if ctx.actor is not None and post.author_id != ctx.actor.id:
        ctx.audit("post.edited_by_moderator", post, thread_id=thread.id)
    views = await load_post_views(ctx, network, [post.id or 0])
    ctx.emit(notify_edited(thread, views[0]))
    return post


def notify_edited(thread: Thread, view: PostView) -> Event:
    return Event(channel=channels.thread(thread.id), type="post.edited", data=post_public(view))


async def do_delete_post(ctx: Context, post_id: int) -> Post:
    """Soft-delete: the post keeps its place and shows as deleted; its text stays in history."""
    post, thread, network = await access_post(ctx, post_id)
    user = ctx.require_user()
    if not may_change(post, actor_id=user.id, moderator=ctx.may(Action.MODERATE_NETWORK, network)):
        raise Forbidden(N_("You can only delete your own posts."))
    if post.deleted_at is not None:
        return post
    await _keep_revision(ctx, post)
    post.deleted_at = utcnow()
    post.deleted_by_id = ctx.actor.id if ctx.actor else None
    ctx.db.add(post)
    await search.unindex(ctx, kind="post", object_id=post.id or 0)
    ctx.audit(
        "post.deleted", post, thread_id=thread.id, by_author=post.author_id == post.deleted_by_id
    )
    ctx.emit(notify_deleted(post, thread))
    return post


def notify_deleted(post: Post, thread: Thread) -> Event:
    return Event(
        channel=channels.thread(thread.id),
        type="post.deleted",
        data={"id": post.id, "thread_id": thread.id},
    )


async def do_react(ctx: Context, post_id: int, *, kind: str | None, on: bool) -> dict[str, int]:
    """Add or take back one of the fixed reactions; members of the network only."""
    post, thread, _network = await access_post(ctx, post_id, Action.POST_IN_NETWORK)
    user = ctx.require_user()
    if kind not in tuple(ReactionKind):
        raise Invalid(N_("Unknown reaction."), field="kind")
    if post.deleted_at is not None or post.hidden_at is not None:
        raise Conflict(N_("This post cannot take reactions."))
    # The database decides whether this changed anything: of two identical requests at once,
    # one adds (or takes back) the reaction and announces it, the other finds it done.
    key = {"post_id": post.id or 0, "user_id": user.id or 0, "kind": kind}
    if on:
        changed = await insert_ignore(ctx.db, Reaction, key, ["post_id", "user_id", "kind"])
    else:
        changed = (
            await ctx.db.exec(
                delete(Reaction).where(
                    col(Reaction.post_id) == key["post_id"],
                    col(Reaction.user_id) == key["user_id"],
                    col(Reaction.kind) == kind,
                )
            )
        ).rowcount
    if not changed:
        return await reaction_counts(ctx, post.id or 0)
    counts = await reaction_counts(ctx, post.id or 0)
    ctx.emit(notify_reaction(post, thread, user, kind, on, counts))
    return counts


def notify_reaction(
    post: Post, thread: Thread, user: User, kind: str | None, on: bool, counts: dict[str, int]
) -> Event:
    return Event(
        channel=channels.thread(thread.id),
        type="reaction.changed",
        data={"post_id": post.id, "reactions": counts, "user_id": user.id, "kind": kind, "on": on},
    )


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
