"""The boards' JSON endpoints for reactions, flags and coordinators' acts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.actions import moderation, posts, threads
from hub.web.api.board_common import NO_POST, NO_THREAD, post_json, signed_in
from hub.web.forms import action, path_id, read_json, string


async def _react(request: Request, on: bool) -> Response:
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        counts = await posts.do_react(ctx, post_id, kind=request.path_params["kind"], on=on)
    return JSONResponse({"post_id": post_id, "reactions": counts})


async def add_reaction(request: Request) -> Response:
    """summary: Add the caller's reaction (thumbs_up, heart, celebrate, thinking, eyes)
    responses:
      200: {post_id, reactions: {kind: count}}
    """
    return await _react(request, True)


async def remove_reaction(request: Request) -> Response:
    """summary: Take back the caller's reaction
    responses:
      200: {post_id, reactions: {kind: count}}
    """
    return await _react(request, False)


async def flag_post(request: Request) -> Response:
    """summary: Flag a post with a reason (members, once each); three flags hide it
    requestBody: {reason}
    responses:
      201: {post_id, hidden}
      409: already flagged by the caller, or the caller's own post
    """
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    data = await read_json(request)
    async with action(request) as ctx:
        post = await moderation.do_flag(ctx, post_id, reason=string(data, "reason"))
    return JSONResponse({"post_id": post.id, "hidden": post.hidden_at is not None}, 201)


async def hide_post(request: Request) -> Response:
    """summary: Hide a post with a reason (coordinators)
    requestBody: {reason}
    """
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    data = await read_json(request)
    async with action(request) as ctx:
        await moderation.do_hide_post(ctx, post_id, reason=string(data, "reason"))
        return await post_json(ctx, post_id)


async def unhide_post(request: Request) -> Response:
    """summary: Show a hidden post again and resolve its flags (coordinators)"""
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        await moderation.do_unhide_post(ctx, post_id)
        return await post_json(ctx, post_id)


async def _thread_act(request: Request, what: str, on: bool = True) -> Response:
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    data = await read_json(request) if what == "move" else {}
    async with action(request) as ctx:
        if what == "pin":
            await moderation.do_pin(ctx, thread_id, pinned=on)
        elif what == "lock":
            await moderation.do_lock(ctx, thread_id, locked=on)
        else:
            await moderation.do_move(ctx, thread_id, to_network=string(data, "network"))
        thread, network = await threads.access_thread(ctx, thread_id)
    return JSONResponse(threads.thread_public(thread, network))


async def pin_thread(request: Request) -> Response:
    """summary: Pin a thread (coordinators)"""
    return await _thread_act(request, "pin")


async def unpin_thread(request: Request) -> Response:
    """summary: Unpin a thread (coordinators)"""
    return await _thread_act(request, "pin", on=False)


async def lock_thread(request: Request) -> Response:
    """summary: Lock a thread: no new posts (coordinators)"""
    return await _thread_act(request, "lock")


async def unlock_thread(request: Request) -> Response:
    """summary: Unlock a thread (coordinators)"""
    return await _thread_act(request, "lock", on=False)


async def move_thread(request: Request) -> Response:
    """summary: Move a thread to another network the caller also coordinates
    requestBody: {network: slug}
    """
    return await _thread_act(request, "move")
