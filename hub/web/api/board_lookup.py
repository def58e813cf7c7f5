"""The boards' JSON endpoints for finding things: search, and people to @mention."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.actions import bodies, mentions, search, threads
from hub.actions.errors import N_, Invalid
from hub.web.api.board_common import NO_THREAD, signed_in
from hub.web.forms import action, path_id


async def search_endpoint(request: Request) -> Response:
    """summary: Search threads and posts the caller may read (either script matches either)
    parameters: q, network (slug), author (user id or handle), cursor
    responses:
      200: {items: [{kind, thread, post_id, author, snippet}], next}
        (`snippet` is escaped HTML with <mark>)
      422: no words to search for, or an unknown author
    """
    signed_in(request)
    params = request.query_params
    cursor = params.get("cursor", "")
    if cursor and not (cursor.isdigit() and len(cursor) < 6):
        raise Invalid(N_("The page cursor is not valid."), field="cursor")
    async with action(request) as ctx:
        author_id = await search.find_author(ctx, params.get("author"))
        hits, next_offset = await search.search(
            ctx,
            params.get("q"),
            network=params.get("network") or None,
            author_id=author_id,
            offset=int(cursor or 0),
        )
    items = [
        {
            "kind": h.kind,
            "thread": {"id": h.thread.id, "title": h.thread.title, "network": h.network.slug},
            "post_id": h.post.id if h.post else None,
            "author": {"id": h.author.id, "name": h.author.name, "handle": h.author.handle}
            if h.author
            else None,
            "snippet": h.snippet,
        }
        for h in hits
    ]
    return JSONResponse({"items": items, "next": str(next_offset) if next_offset else None})


async def mentionable(request: Request) -> Response:
    """summary: People who may read the thread, for @-completion, by handle or name prefix
    parameters: q
    responses:
      200: {items: [{id, name, handle}], next: null}
    """
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    async with action(request) as ctx:
        _thread, network = await threads.access_thread(ctx, thread_id)
        people = await mentions.mentionable(ctx, network, request.query_params.get("q", ""))
    items = [{"id": u.id, "name": u.name, "handle": u.handle} for u in people]
    return JSONResponse({"items": items, "next": None})


async def network_mentionable(request: Request) -> Response:
    """summary: People who may read the network, for @-completion in a new thread's first post
    parameters: q
    responses:
      200: {items: [{id, name, handle}], next: null}
    """
    signed_in(request)
    async with action(request) as ctx:
        network = await bodies.access_network(ctx, request.path_params["slug"])
        people = await mentions.mentionable(ctx, network, request.query_params.get("q", ""))
    items = [{"id": u.id, "name": u.name, "handle": u.handle} for u in people]
    return JSONResponse({"items": items, "next": None})
