"""A thread read in windows, replying to it, its coordinators' acts, and attachment downloads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from hub import channels
from hub.actions import moderation, posts
from hub.actions.errors import N_
from hub.actions.threads import do_mark_thread_read
from hub.permissions import Action
from hub.reads import attachments, bodies, threads
from hub.reads import posts as posts_reads
from hub.reads.posts import PostView
from hub.web import fragments  # noqa: F401  (post_html for board/thread.html)
from hub.web.forms import action, as_id, path_id, query_id, read_form, read_upload_form, text
from hub.web.live_since import live_since
from hub.web.pages.board_forms import FORM_ERRORS, form_errors, ids, store_uploads
from hub.web.pages.notifications import recount
from hub.web.templating import render
from hub.web.visitor import visitor

NO_THREAD = N_("No such thread.")
NO_POST = N_("No such post.")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")
# Confirmations about one post (hub.web.pages.post.to_post): shown beside it, not at the top.
POST_DONE = frozenset({"edited", "deleted", "flagged", "hidden", "shown"})


@dataclass(frozen=True)
class Viewer:
    """What the reader may do in this thread; the post partial asks it about each post."""

    user_id: int | None
    can_post: bool
    can_moderate: bool
    locked: bool
    # rights() by what they depend on of a post: worked out once per kind of post in a page
    _rights: dict[tuple[bool, bool, bool], tuple[bool, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def rights(self, view: PostView) -> tuple[bool, ...]:
        """All the reader may do with the post (signed in, moderator, react, reply, edit,
        delete, flag): the methods below, which depend only on whether the post is the reader's
        own, deleted or hidden."""
        post = view.post
        kind = (self.owns(view), post.deleted_at is None, post.hidden_at is None)
        found = self._rights.get(kind)
        if found is None:
            found = self._rights[kind] = (
                bool(self.user_id),
                self.can_moderate,
                self.may_react(view),
                self.may_reply(view),
                self.may_edit(view),
                self.may_delete(view),
                self.may_flag(view),
            )
        return found

    def owns(self, view: PostView) -> bool:
        return self.user_id is not None and view.post.author_id == self.user_id

    def may_reply(self, view: PostView) -> bool:
        return self.can_post and not self.locked and view.visible

    def may_react(self, view: PostView) -> bool:
        return self.can_post and view.visible

    def may_edit(self, view: PostView) -> bool:
        refusal = posts_reads.edit_refusal(
            view.post, actor_id=self.user_id, moderator=self.can_moderate, locked=self.locked
        )
        return refusal is None

    def may_delete(self, view: PostView) -> bool:
        """do_delete_post's rule; an already deleted post offers no button."""
        may = posts_reads.may_change(view.post, actor_id=self.user_id, moderator=self.can_moderate)
        return may and view.post.deleted_at is None

    def may_flag(self, view: PostView) -> bool:
        """Not one's own post, nor one already hidden: its readers no longer see it."""
        post = view.post
        return (
            self.can_post and not self.owns(view) and post.deleted_at is None and not post.hidden_at
        )


def quote_markdown(view: PostView) -> str:
    """The quoted post as Markdown for the composer: attribution, then "> " lines."""
    name = _MARKDOWN_SPECIAL.sub(r"\\\1", view.author.name) if view.author else "?"
    post_id = view.post.id
    lines = [f"> **{name}** ([#{post_id}](/posts/{post_id})):"]
    lines += [f"> {line}".rstrip() for line in view.post.body.split("\n")]
    return "\n".join(lines) + "\n\n"


async def thread_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """Posts oldest first in a window (?after=, ?before=, ?around=), by default from the
    reader's first unread post; the composer at the end."""
    thread_id = path_id(request, "thread_id", NO_THREAD)
    after, before = query_id(request, "after"), query_id(request, "before")
    around, quote = query_id(request, "around"), query_id(request, "quote")
    since = await live_since(request, channels.thread(thread_id))
    async with action(request) as ctx:
        window = await threads.thread_window(
            ctx,
            thread_id,
            after=after,
            before=before,
            around=around,
        )
        marked = await do_mark_thread_read(
            ctx, window, any_unread_notices=visitor(request).unread > 0
        )
        network = window.network
        can_moderate = ctx.may(Action.MODERATE_NETWORK, network)
        move_targets = (
            [
                n
                for n in await bodies.list_networks(ctx)
                if n.id != network.id and ctx.may(Action.MODERATE_NETWORK, n)
            ]
            if can_moderate
            else []
        )
        quoted = await posts_reads.quotable(ctx, quote, thread_id) if quote else None
        kept = await attachments.pending_uploads(ctx, (extra or {}).get("kept_ids", []))
    viewer = Viewer(
        user_id=ctx.actor.id if ctx.actor else None,
        can_post=ctx.may(Action.POST_IN_NETWORK, network),
        can_moderate=can_moderate,
        locked=window.thread.locked,
    )
    reply_to = query_id(request, "reply_to") or (quoted.post.id if quoted else None)
    composer = {
        "body": quote_markdown(quoted) if quoted else "",
        "reply_to": reply_to or "",
        "errors": {},
        "uploads": kept,
        **(extra or {}).get("composer", {}),
    }
    reply_id = as_id(composer["reply_to"])
    done = request.query_params.get("done")
    shown_ids = {v.post.id for v in window.posts}
    done_post = around if done in POST_DONE and around in shown_ids else None
    if marked:  # the bell counted them before they were read
        await recount(request)
    return render(
        request,
        "board/thread.html",
        {
            "window": window,
            "live_since": since,
            "thread": window.thread,
            "network": network,
            "viewer": viewer,
            "municipalities": window.municipalities,
            "move_targets": move_targets,
            "composer": composer,
            "reply_target": next((v for v in window.posts if v.post.id == reply_id), None),
            "done": done,
            "done_post": done_post,
            "moderation_errors": (extra or {}).get("moderation_errors", {}),
        },
        status_code=status,
    )


async def reply(request: Request) -> Response:
    """A new post in the thread; its files are stored first (board_forms.store_uploads)."""
    thread_id = path_id(request, "thread_id", NO_THREAD)
    form, files = await read_upload_form(request)
    kept = ids(form, "attachment")
    reply_to = as_id(text(form, "reply_to"))
    try:
        kept += await store_uploads(
            request,
            files,
            lambda ctx: threads.access_thread(ctx, thread_id, Action.POST_IN_NETWORK),
        )
        async with action(request) as ctx:
            ctx.require_user()
            post = (
                await posts.do_reply(
                    ctx, thread_id, body=text(form, "body"), reply_to=reply_to, attachment_ids=kept
                )
            ).post
    except FORM_ERRORS as error:
        composer = {
            "body": text(form, "body"),
            "reply_to": reply_to or "",
            "errors": form_errors(request, error),
        }
        return await thread_page(request, {"composer": composer, "kept_ids": kept}, error.status)
    finally:
        await form.close()
    # The window that ends with the new post: the writer sees it in its context.
    return RedirectResponse(
        f"/threads/{thread_id}?before={(post.id or 0) + 1}#post-{post.id}", status_code=303
    )


async def post_redirect(request: Request) -> Response:
    """/posts/{id}: the thread window that contains the post."""
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        post, thread, _network = await posts_reads.access_post(ctx, post_id)
    return RedirectResponse(f"/threads/{thread.id}?around={post.id}#post-{post.id}", 303)


async def _moderate(request: Request, what: str) -> Response:
    thread_id = path_id(request, "thread_id", NO_THREAD)
    form = await read_form(request)
    on = text(form, "on") == "1"
    try:
        async with action(request) as ctx:
            ctx.require_user()
            if what == "pin":
                await moderation.do_pin(ctx, thread_id, pinned=on)
            elif what == "lock":
                await moderation.do_lock(ctx, thread_id, locked=on)
            else:
                await moderation.do_move(ctx, thread_id, to_network=text(form, "network"))
    except FORM_ERRORS as error:
        extra = {"moderation_errors": form_errors(request, error)}
        return await thread_page(request, extra, error.status)
    return RedirectResponse(f"/threads/{thread_id}?done={what}", status_code=303)


async def pin(request: Request) -> Response:
    """Pin (on=1) or unpin (on=0) a thread: coordinators."""
    return await _moderate(request, "pin")


async def lock(request: Request) -> Response:
    """Lock (on=1) or unlock (on=0) a thread: coordinators."""
    return await _moderate(request, "lock")


async def move(request: Request) -> Response:
    """Move a thread to another network the coordinator moderates."""
    return await _moderate(request, "move")


async def download(request: Request) -> Response:
    """An attachment, to readers of its thread only; images inline, the rest as downloads."""
    attachment_id = path_id(request, "attachment_id", N_("No such file."))
    async with action(request) as ctx:
        attachment, path, inline = await attachments.access_attachment(ctx, attachment_id)
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )
