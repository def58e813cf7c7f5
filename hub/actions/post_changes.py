"""Posts changed after they were written: edit (with history), soft-delete, react."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select

from hub import channels
from hub.actions import search
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Forbidden, Invalid
from hub.actions.posts import check_body, notify_post, render_body
from hub.db import utcnow
from hub.events import Event
from hub.models import Mention, Post, PostRevision, Reaction, ReactionKind, Thread, User
from hub.permissions import Action
from hub.reads.posts import (
    PostView,
    access_post,
    access_post_to_edit,
    load_post_views,
    may_change,
    post_public,
    reaction_counts,
)
from hub.upsert import insert_ignore


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
