"""What one does to a post: edit, delete, read its history, react, flag; hide and unhide."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import moderation, posts
from hub.models import Post
from hub.permissions import Action
from hub.web.forms import action, read_form
from hub.web.pages.board_forms import FORM_ERRORS, form_errors, next_path, path_id, text
from hub.web.pages.thread import NO_POST
from hub.web.templating import render


def to_post(post: Post, done: str = "") -> str:
    """The thread window around `post`, scrolled to it."""
    extra = f"&done={done}" if done else ""
    return f"/threads/{post.thread_id}?around={post.id}{extra}#post-{post.id}"


async def _page(
    request: Request,
    template: str,
    action_needed: Action,
    extra: dict[str, Any] | None,
    status: int,
) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        ctx.require_user()
        if template == "board/edit_post.html":
            post, thread, network = await posts.access_post_to_edit(ctx, post_id)
        else:
            post, thread, network = await posts.access_post(ctx, post_id, action_needed)
    context = {"post": post, "thread": thread, "network": network, "values": {}, "errors": {}}
    return render(request, template, {**context, **(extra or {})}, status_code=status)


async def edit_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return await _page(request, "board/edit_post.html", Action.VIEW_NETWORK, extra, status)


async def edit(request: Request) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            post = await posts.do_edit_post(ctx, post_id, body=text(form, "body"))
    except FORM_ERRORS as error:
        extra = {"values": {"body": text(form, "body")}, "errors": form_errors(request, error)}
        return await edit_page(request, extra, error.status)
    return RedirectResponse(to_post(post, "edited"), status_code=303)


async def delete(request: Request) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    async with action(request) as ctx:
        ctx.require_user()
        post = await posts.do_delete_post(ctx, post_id)
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
        await posts.do_react(ctx, post_id, kind=text(form, "kind"), on=text(form, "on") == "1")
        post, _thread, _network = await posts.access_post(ctx, post_id)
    return RedirectResponse(to_post(post), status_code=303)


async def flag_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return await _page(request, "board/flag.html", Action.POST_IN_NETWORK, extra, status)


async def flag(request: Request) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            post = await moderation.do_flag(ctx, post_id, reason=text(form, "reason"))
    except FORM_ERRORS as error:
        extra = {"values": {"reason": text(form, "reason")}, "errors": form_errors(request, error)}
        return await flag_page(request, extra, error.status)
    return RedirectResponse(to_post(post, "flagged"), status_code=303)


async def hide_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return await _page(request, "board/hide.html", Action.MODERATE_NETWORK, extra, status)


async def hide(request: Request) -> Response:
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            post = await moderation.do_hide_post(ctx, post_id, reason=text(form, "reason"))
    except FORM_ERRORS as error:
        extra = {
            "values": {"reason": text(form, "reason"), "next": text(form, "next")},
            "errors": form_errors(request, error),
        }
        return await hide_page(request, extra, error.status)
    return RedirectResponse(next_path(form, to_post(post, "hidden")), status_code=303)


async def unhide(request: Request) -> Response:
    """Show a hidden post again, or keep a flagged one: the open flags are resolved."""
    post_id = path_id(request, "post_id", NO_POST)
    form = await read_form(request)
    async with action(request) as ctx:
        ctx.require_user()
        post = await moderation.do_unhide_post(ctx, post_id)
    return RedirectResponse(next_path(form, to_post(post, "shown")), status_code=303)
