"""The boards' JSON endpoints (ROUTES): threads, posts and files here; reactions, flags and
coordinators' acts in board_moderation; search and @mention completion in board_lookup.

Each handler parses, calls one action in one transaction, and returns the Public shape
(hub.actions.threads.thread_public, hub.actions.posts.post_public). Every endpoint needs a
signed-in caller (401); what they may not read is 404, what they may read but not do is 403.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import attachments, bodies, posts, threads
from hub.actions.errors import N_, Invalid
from hub.permissions import Action
from hub.web.api import board_lookup as lookup
from hub.web.api import board_moderation as moderate
from hub.web.api.board_common import (
    NO_POST,
    NO_THREAD,
    id_list,
    limit_of,
    optional_id,
    post_json,
    signed_in,
)
from hub.web.forms import action, path_id, query_id, read_json, read_upload_form, string


async def list_threads(request: Request) -> Response:
    """summary: Threads of a network's board, pinned first, then by last activity
    parameters: filter (unanswered|mine|proposals), cursor, limit (1-100)
    responses:
      200: {items: [thread with `unread`], next}
      404: no such network, or the caller may not read it
    """
    signed_in(request)
    limit = limit_of(request, threads.BOARD_PAGE, 100)
    async with action(request) as ctx:
        network = await bodies.access_network(ctx, request.path_params["slug"])
        page = await threads.board(
            ctx,
            network,
            filter_=request.query_params.get("filter", ""),
            cursor=request.query_params.get("cursor") or None,
            limit=limit,
        )
    items = [
        {**threads.thread_public(row.thread, network), "unread": row.unread} for row in page.rows
    ]
    return JSONResponse({"items": items, "next": page.next_cursor})


async def create_thread(request: Request) -> Response:
    """summary: Start a thread; its first post is `body` (members of the network)
    requestBody: {title, body, attachments?: [upload ids]}
    responses:
      201: {thread, post}
      403: not a member
      422: empty or over-long title or body, unknown attachment
    """
    signed_in(request)
    data = await read_json(request)
    async with action(request) as ctx:
        thread, post = await threads.do_create_thread(
            ctx,
            request.path_params["slug"],
            title=string(data, "title"),
            body=string(data, "body"),
            attachment_ids=id_list(data, "attachments"),
        )
        network = (await threads.access_thread(ctx, thread.id or 0))[1]
        views = await posts.load_post_views(ctx, network, [post.id or 0])
    body = {"thread": threads.thread_public(thread, network), "post": posts.post_public(views[0])}
    return JSONResponse(body, status_code=201)


async def get_thread(request: Request) -> Response:
    """summary: One thread
    responses:
      404: no such thread, or the caller may not read it
    """
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    async with action(request) as ctx:
        thread, network = await threads.access_thread(ctx, thread_id)
    return JSONResponse(threads.thread_public(thread, network))


async def list_posts(request: Request) -> Response:
    """summary: Posts of a thread, oldest first, after the post id `after` (0: from the start)
    parameters: after, limit (1-200)
    responses:
      200: {items: [post], next: the `after` of the next page or null}
    """
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    after = query_id(request, "after") or 0
    limit = limit_of(request, threads.WINDOW, threads.MAX_WINDOW)
    async with action(request) as ctx:
        window = await threads.thread_window(ctx, thread_id, after=after, limit=limit)
        moderator = ctx.may(Action.MODERATE_NETWORK, window.network)
    items = [posts.post_public(v, moderator=moderator) for v in window.posts]
    last = window.posts[-1].post.id if window.posts else None
    return JSONResponse({"items": items, "next": str(last) if window.has_after else None})


async def create_post(request: Request) -> Response:
    """summary: Reply in a thread (members of its network)
    requestBody: {body, reply_to?, attachments?: [upload ids]}
    responses:
      201: the post with `html` (sanitised Markdown)
      409: the thread is locked
    """
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    data = await read_json(request)
    async with action(request) as ctx:
        view = await posts.do_reply(
            ctx,
            thread_id,
            body=string(data, "body"),
            reply_to=optional_id(data, "reply_to"),
            attachment_ids=id_list(data, "attachments"),
        )
    return JSONResponse(posts.post_public(view), status_code=201)


async def edit_post(request: Request) -> Response:
    """summary: Edit a post (its author, a coordinator); the earlier version is kept
    requestBody: {body}
    responses:
      403: someone else's post
      409: the post is deleted, or the thread locked
    """
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    data = await read_json(request)
    async with action(request) as ctx:
        await posts.do_edit_post(ctx, post_id, body=string(data, "body"))
        return await post_json(ctx, post_id)


async def delete_post(request: Request) -> Response:
    """summary: Soft-delete a post (its author, a coordinator): it keeps its place as deleted
    responses:
      204: deleted
      403: someone else's post
    """
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        await posts.do_delete_post(ctx, post_id)
    return Response(status_code=204)


async def post_history(request: Request) -> Response:
    """summary: Earlier versions of a post, oldest first
    responses:
      200: {items: [{body, html, written_at, replaced_at}], next: null}
    """
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        _post, _thread, _network, revisions = await posts.post_history(ctx, post_id)
    items = [
        {
            "body": r.body,
            "html": r.html,
            "written_at": r.written_at.isoformat(),
            "replaced_at": r.replaced_at.isoformat(),
        }
        for r in revisions
    ]
    return JSONResponse({"items": items, "next": None})


async def upload(request: Request) -> Response:
    """summary: Upload a file (multipart, field `file`) to attach to a post by its id
    responses:
      201: {id, filename, size, content_type}
      413: the file is over the size limit
      422: a type that may not be attached, or content that does not match it
    """
    signed_in(request)
    form, _files = await read_upload_form(request)
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise Invalid(N_("Choose a file."), field="file")
        async with action(request) as ctx:
            stored = await attachments.do_store_uploads(ctx, [(file.filename or "file", file.file)])
    finally:
        await form.close()
    a = stored[0]
    body = {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
    return JSONResponse(body, status_code=201)


ROUTES = [
    Route("/networks/{slug}/threads", list_threads, methods=["GET"]),
    Route("/networks/{slug}/threads", create_thread, methods=["POST"]),
    Route("/networks/{slug}/mentionable", lookup.network_mentionable, methods=["GET"]),
    Route("/threads/{thread_id}", get_thread, methods=["GET"]),
    Route("/threads/{thread_id}/posts", list_posts, methods=["GET"]),
    Route("/threads/{thread_id}/posts", create_post, methods=["POST"]),
    Route("/threads/{thread_id}/mentionable", lookup.mentionable, methods=["GET"]),
    Route("/threads/{thread_id}/pin", moderate.pin_thread, methods=["POST"]),
    Route("/threads/{thread_id}/unpin", moderate.unpin_thread, methods=["POST"]),
    Route("/threads/{thread_id}/lock", moderate.lock_thread, methods=["POST"]),
    Route("/threads/{thread_id}/unlock", moderate.unlock_thread, methods=["POST"]),
    Route("/threads/{thread_id}/move", moderate.move_thread, methods=["POST"]),
    Route("/posts/{post_id}", edit_post, methods=["PATCH"]),
    Route("/posts/{post_id}", delete_post, methods=["DELETE"]),
    Route("/posts/{post_id}/history", post_history, methods=["GET"]),
    Route("/posts/{post_id}/reactions/{kind}", moderate.add_reaction, methods=["PUT"]),
    Route("/posts/{post_id}/reactions/{kind}", moderate.remove_reaction, methods=["DELETE"]),
    Route("/posts/{post_id}/flags", moderate.flag_post, methods=["POST"]),
    Route("/posts/{post_id}/hide", moderate.hide_post, methods=["POST"]),
    Route("/posts/{post_id}/unhide", moderate.unhide_post, methods=["POST"]),
    Route("/attachments", upload, methods=["POST"]),
    Route("/search", lookup.search_endpoint, methods=["GET"]),
]
