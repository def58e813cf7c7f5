"""A network's page is its board; starting a thread; the coordinators' moderation queue."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub import channels
from hub.actions import threads
from hub.permissions import Action
from hub.reads import attachments, bodies, moderation
from hub.reads import threads as threads_reads
from hub.reads.threads import BoardFilter
from hub.web import fragments  # noqa: F401  (thread_rows_html for board/_board.html)
from hub.web.forms import action, read_upload_form, text
from hub.web.live_since import live_since
from hub.web.pages.board_forms import FORM_ERRORS, form_errors, ids, store_uploads
from hub.web.templating import render

FILTERS = [f.value for f in BoardFilter]


async def network_board(request: Request) -> Response:
    """The network with its board: threads pinned first, then by last activity."""
    slug = request.path_params["slug"]
    chosen = request.query_params.get("filter", "")
    cursor = request.query_params.get("cursor") or None
    since = await live_since(request, channels.network(slug))
    async with action(request) as ctx:
        network = await bodies.access_network(ctx, slug)
        page = await threads_reads.board(ctx, network, filter_=chosen, cursor=cursor)
        members = await bodies.network_members(ctx, network) if ctx.actor else []
        committee = (
            await bodies.committee_by_id(ctx, network.committee_id)
            if network.committee_id
            else None
        )
        waiting = (await moderation.waiting_flags(ctx, [network])).get(network.id or 0, 0)
    return render(
        request,
        "networks/network.html",
        {
            "network": network,
            "members": members,
            "committee": committee,
            "page": page,
            "live_since": since,
            "filter": chosen,
            "filters": FILTERS,
            "cursor": cursor,
            "my_role": ctx.principal.networks.get(network.id or 0),
            "can_post": ctx.may(Action.POST_IN_NETWORK, network),
            "can_moderate": ctx.may(Action.MODERATE_NETWORK, network),
            "can_manage": ctx.may(Action.MANAGE_NETWORK_MEMBERS, network),
            "can_edit": ctx.may(Action.EDIT_NETWORK, network),
            "waiting_flags": waiting,
        },
    )


async def mark_all_read(request: Request) -> Response:
    slug = request.path_params["slug"]
    async with action(request) as ctx:
        network = await bodies.access_network(ctx, slug)
        await threads.do_mark_all_read(ctx, network)
    return RedirectResponse(f"/networks/{slug}", status_code=303)


async def new_thread_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with action(request) as ctx:
        ctx.require_user()
        network = await bodies.access_network(
            ctx, request.path_params["slug"], Action.POST_IN_NETWORK
        )
        kept = await attachments.pending_uploads(ctx, (extra or {}).get("kept_ids", []))
    return render(
        request,
        "board/new_thread.html",
        {"network": network, "values": {}, "errors": {}, "uploads": kept, **(extra or {})},
        status_code=status,
    )


async def create_thread(request: Request) -> Response:
    """A new thread; its files are stored first (board_forms.store_uploads)."""
    slug = request.path_params["slug"]
    form, files = await read_upload_form(request)
    kept = ids(form, "attachment")
    try:
        kept += await store_uploads(
            request, files, lambda ctx: bodies.access_network(ctx, slug, Action.POST_IN_NETWORK)
        )
        async with action(request) as ctx:
            ctx.require_user()
            thread, _post = await threads.do_create_thread(
                ctx, slug, title=text(form, "title"), body=text(form, "body"), attachment_ids=kept
            )
    except FORM_ERRORS as error:
        values = {"title": text(form, "title"), "body": text(form, "body")}
        extra = {"values": values, "errors": form_errors(request, error), "kept_ids": kept}
        return await new_thread_page(request, extra, error.status)
    finally:
        await form.close()
    return RedirectResponse(f"/threads/{thread.id}", status_code=303)


async def moderation_page(request: Request) -> Response:
    """Flagged posts of the network, most flagged first, for its coordinators."""
    async with action(request) as ctx:
        ctx.require_user()
        network, items = await moderation.moderation_queue(ctx, request.path_params["slug"])
    return render(
        request,
        "board/moderation.html",
        {"network": network, "items": items, "done": request.query_params.get("done")},
    )
