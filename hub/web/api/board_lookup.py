"""The boards' JSON endpoints for finding things: search, and people to @mention."""

from __future__ import annotations

from typing import Any

from hub.actions import search
from hub.actions.errors import N_
from hub.actions.search import MAX_QUERY
from hub.reads import bodies, mentions
from hub.reads import threads as thread_access
from hub.web.api.board_common import NO_THREAD
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import page, ref
from hub.web.api.spec import Param, Spec
from hub.web.forms import Context

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


@api_action(SEARCH)
async def search_endpoint(ctx: Context, call: Call) -> Any:
    params = call.query
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
    return {"items": items, "next": str(next_offset) if next_offset else None}


@api_action(MENTIONABLE, id_from=("thread_id", NO_THREAD))
async def mentionable(ctx: Context, call: Call) -> Any:
    _thread, network = await thread_access.access_thread(ctx, call.id)
    people = await mentions.mentionable(ctx, network, call.query["q"] or "")
    items = [{"id": u.id, "name": u.name, "handle": u.handle} for u in people]
    return {"items": items, "next": None}


@api_action(NETWORK_MENTIONABLE)
async def network_mentionable(ctx: Context, call: Call) -> Any:
    network = await bodies.access_network(ctx, call.path("slug"))
    people = await mentions.mentionable(ctx, network, call.query["q"] or "")
    items = [{"id": u.id, "name": u.name, "handle": u.handle} for u in people]
    return {"items": items, "next": None}
