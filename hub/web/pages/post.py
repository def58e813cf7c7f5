"""What one does to a post: edit, delete, read its history, react, flag; hide and unhide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import moderation, post_changes
from hub.actions.context import Context
from hub.models import Network, Post, Thread
from hub.permissions import Action
from hub.reads import posts
from hub.web.forms import action, path_id, read_form, text
from hub.web.pages.board_forms import FORM_ERRORS, form_errors, next_path
from hub.web.pages.thread import NO_POST
from hub.web.templating import render


def to_post(post: Post, done: str = "") -> str:
    """The thread window around `post`, scrolled to it; with `done`, to the confirmation shown
    in the post, which the browser then focuses (templates/board/_macros.html, done_notice)."""
    if done:
        return f"/threads/{post.thread_id}?around={post.id}&done={done}#post-{post.id}-done"
    return f"/threads/{post.thread_id}?around={post.id}#post-{post.id}"


Access = Callable[[Context, int], Awaitable[tuple[Post, Thread, Network]]]
Write = Callable[[Context, int, str], Awaitable[Post]]
ShowPage = Callable[[Request, dict[str, Any], int], Awaitable[Response]]


async def _page(
    request: Request, template: str, access: Access, extra: dict[str, Any] | None, status: int
) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        ctx.require_user()
        post, thread, network = await access(ctx, post_id)
    context = {"post": post, "thread": thread, "network": network, "values": {}, "errors": {}}
    return render(request, template, {**context, **(extra or {})}, status_code=status)


async def _submit(
    request: Request, field: str, write: Write, show: ShowPage, done: str, *, back: bool = False
) -> Response:
    """Run `write` with the form's `field`; on an error show the form again with it kept. With
    `back`, go where the form asked (its `next`) rather than to the post."""
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            post = await write(ctx, post_id, text(form, field))
    except FORM_ERRORS as error:
        values = {field: text(form, field)} | ({"next": text(form, "next")} if back else {})
        return await show(
            request, {"values": values, "errors": form_errors(request, error)}, error.status
        )
    target = to_post(post, done)
    return RedirectResponse(next_path(form, target) if back else target, status_code=303)


def _access(needed: Action) -> Access:
    return lambda ctx, post_id: posts.access_post(ctx, post_id, needed)


async def edit_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return await _page(request, "board/edit_post.html", posts.access_post_to_edit, extra, status)


async def edit(request: Request) -> Response:
    async def write(ctx: Context, post_id: int, body: str) -> Post:
        return await post_changes.do_edit_post(ctx, post_id, body=body)

    return await _submit(request, "body", write, edit_page, "edited")


async def delete(request: Request) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    async with action(request) as ctx:
        ctx.require_user()
        post = await post_changes.do_delete_post(ctx, post_id)
    return RedirectResponse(next_path(form, to_post(post, "deleted")), status_code=303)


async def history_page(request: Request) -> Response:
    """The versions of an edited post, newest first."""
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        post, thread, network, revisions = await posts.post_history(ctx, post_id)
        moderator = ctx.may(Action.MODERATE_NETWORK, network)
    shown = post.deleted_at is None and (post.hidden_at is None or moderator)
    return render(
        request,
        "board/history.html",
        {
            "post": post,
            "thread": thread,
            "network": network,
            "shown": shown,
            "revisions": list(reversed(revisions)),
        },
    )


async def react(request: Request) -> Response:
    """Add (on=1) or take back (on=0) a reaction of the given kind."""
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    async with action(request) as ctx:
        ctx.require_user()
        await post_changes.do_react(
            ctx, post_id, kind=text(form, "kind"), on=text(form, "on") == "1"
        )
        post = await ctx.db.get(Post, post_id)  # loaded by do_react: no second query
    assert post is not None
    return RedirectResponse(to_post(post), status_code=303)


async def flag_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return await _page(request, "board/flag.html", _access(Action.POST_IN_NETWORK), extra, status)


async def flag(request: Request) -> Response:
    async def write(ctx: Context, post_id: int, reason: str) -> Post:
        return await moderation.do_flag(ctx, post_id, reason=reason)

    return await _submit(request, "reason", write, flag_page, "flagged")


async def hide_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return await _page(request, "board/hide.html", _access(Action.MODERATE_NETWORK), extra, status)


async def hide(request: Request) -> Response:
    async def write(ctx: Context, post_id: int, reason: str) -> Post:
        return await moderation.do_hide_post(ctx, post_id, reason=reason)

    return await _submit(request, "reason", write, hide_page, "hidden", back=True)


async def unhide(request: Request) -> Response:
    """Show a hidden post again, or keep a flagged one: the open flags are resolved."""
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    async with action(request) as ctx:
        ctx.require_user()
        post = await moderation.do_unhide_post(ctx, post_id)
    return RedirectResponse(next_path(form, to_post(post, "shown")), status_code=303)
