"""The public archive's pages, for anyone: the adopted initiatives (`/initiatives`) and one
adopted initiative with its document and follow-ups, as the public sees it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub.reads import initiative_archive as archive
from hub.web.forms import action
from hub.web.pages.document import document_body
from hub.web.templating import render


async def archive_page(request: Request) -> Response:
    cursor = request.query_params.get("cursor") or None
    async with action(request) as ctx:
        items, next_ = await archive.archive(ctx, cursor=cursor)
    return render(
        request, "initiatives/archive.html", {"items": items, "next": next_, "cursor": cursor}
    )


async def public_page(request: Request, initiative_id: int) -> Response:
    """An adopted initiative as anyone sees it: NotFound for any other."""
    async with action(request) as ctx:
        item = await archive.archived(ctx, initiative_id)
        document = None
        if "html" in item.formats:
            _item, html = await archive.archived_document(ctx, initiative_id, "html")
            document = document_body(html)
    return render(request, "initiatives/public.html", {"item": item, "document": document})
