"""The search page: threads and posts the reader may read, in either script, ranked."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub.actions import search
from hub.actions.errors import Invalid
from hub.ids import ascii_int
from hub.reads import bodies
from hub.web.forms import action
from hub.web.pages.board_forms import form_errors
from hub.web.templating import render

MAX_OFFSET = 1000


def _offset(raw: str | None) -> int:
    value = ascii_int((raw or "").strip())
    return min(value, MAX_OFFSET) if value is not None else 0


async def search_page(request: Request) -> Response:
    """/search?q=&network=&author=&offset=: signed-in readers."""
    params = request.query_params
    query = params.get("q", "")
    network = params.get("network") or None
    author = params.get("author", "")
    offset = _offset(params.get("offset"))
    errors: dict[str, str] = {}
    hits: list[search.Hit] = []
    next_offset: int | None = None
    async with action(request) as ctx:
        ctx.require_user()
        networks = await bodies.list_networks(ctx)
        if query.strip():
            try:
                author_id = await search.find_author(ctx, author)
                hits, next_offset = await search.search(
                    ctx, query, network=network, author_id=author_id, offset=offset
                )
            except Invalid as error:
                errors = form_errors(request, error)
    context: dict[str, Any] = {
        "query": query,
        "network": network or "",
        "author": author,
        "networks": networks,
        "hits": hits,
        "offset": offset,
        "next_offset": next_offset,
        "previous_offset": max(0, offset - search.PAGE_SIZE) if offset else None,
        "errors": errors,
    }
    return render(request, "board/search.html", context, status_code=422 if errors else 200)
