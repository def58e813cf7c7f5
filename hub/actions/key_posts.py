"""Key posts: a coordinator marks the posts of a discussion that an initiative's digest quotes.

Marking is an insert-ignore on the post's unique key (marking twice is one mark), unmarking a
delete; both are audited. Only a coordinator of the thread's network (or an admin) may mark.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col

from hub.actions.context import Context
from hub.actions.errors import N_, NotFound
from hub.models import Post
from hub.models.initiatives import KeyPost
from hub.permissions import Action
from hub.reads.threads import access_thread
from hub.upsert import insert_ignore

NO_POST = N_("No such post.")


async def do_mark_key_post(ctx: Context, post_id: int, key: bool) -> bool:
    """Mark (key=True) or unmark the post; True when something changed."""
    user = ctx.require_user()
    post = await ctx.db.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound(NO_POST)
    await access_thread(ctx, post.thread_id, Action.MODERATE_NETWORK)
    if key:
        made = await insert_ignore(
            ctx.db, KeyPost, {"post_id": post_id, "marked_by_id": user.id}, ["post_id"]
        )
        changed = made is not None
    else:
        result = await ctx.db.exec(delete(KeyPost).where(col(KeyPost.post_id) == post_id))
        changed = bool(result.rowcount)
    if changed:
        ctx.audit("post.key" if key else "post.unkey", post, thread_id=post.thread_id)
    return changed
