"""The boards' JSON endpoints for finding things: search, and people to @mention."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.actions import search
from hub.actions.errors import N_
from hub.actions.search import MAX_QUERY
from hub.reads import bodies, mentions
from hub.reads import threads as thread_access
from hub.web.api.board_common import NO_THREAD, signed_in
from hub.web.api.shapes import page, ref
from hub.web.api.spec import Param, Spec
from hub.web.forms import action, path_id

SEARCH = Spec(
    summary="Search threads and posts the caller may read (either script matches either)",
    query=(
        Param("q", max_length=MAX_QUERY, description="the words", example="budžet"),
        Param("network", max_length=80, description="only this network (a slug)"),
        Param("author", max_length=60, description="only this person: a user id or @handle"),
        Param(
            "cursor",
            "int",
            maximum=99999,
            message=N_("The page cursor is not valid."),
            description="`next` of the previous page",
        ),
    ),
    responses={
        200: ("hits; `snippet` is escaped HTML with <mark>", page(ref("SearchHit"))),
        422: "no words to search for, an unknown author, a cursor that is not valid",
    },
)
MENTION_QUERY = Param("q", max_length=60, description="a handle or name prefix")
MENTIONABLE = Spec(
    summary="People who may read the thread, for @-completion, by handle or name prefix",
    query=(MENTION_QUERY,),
    responses={
        200: ("up to ten people", page(ref("Person"), cursor=False)),
        404: "no such thread, or the caller may not read it",
    },
)
NETWORK_MENTIONABLE = Spec(
    summary="People who may read the network, for @-completion in a new thread's first post",
    query=(MENTION_QUERY,),
    responses={
        200: ("up to ten people", page(ref("Person"), cursor=False)),
        404: "no such network, or the caller may not read it",
    },
)


@SEARCH
async def search_endpoint(request: Request) -> Response:
    signed_in(request)
    params = SEARCH.params(request)
    async with action(request) as ctx:
        author_id = await search.find_author(ctx, params["author"])
        hits, next_offset = await search.search(
            ctx,
            params["q"],
            network=params["network"] or None,
            author_id=author_id,
            offset=params["cursor"] or 0,
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


@MENTIONABLE
async def mentionable(request: Request) -> Response:
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    query = MENTIONABLE.params(request)
    async with action(request) as ctx:
        _thread, network = await thread_access.access_thread(ctx, thread_id)
        people = await mentions.mentionable(ctx, network, query["q"] or "")
    items = [{"id": u.id, "name": u.name, "handle": u.handle} for u in people]
    return JSONResponse({"items": items, "next": None})


@NETWORK_MENTIONABLE
async def network_mentionable(request: Request) -> Response:
    signed_in(request)
    query = NETWORK_MENTIONABLE.params(request)
    async with action(request) as ctx:
        network = await bodies.access_network(ctx, request.path_params["slug"])
        people = await mentions.mentionable(ctx, network, query["q"] or "")
    items = [{"id": u.id, "name": u.name, "handle": u.handle} for u in people]
    return JSONResponse({"items": items, "next": None})
