"""The notifications page: the signed-in person's notices grouped by day, marked read one by one
or all at once with plain forms (no JavaScript needed)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import notifications
from hub.models import Notification
from hub.web.forms import action, as_id, query_id, read_form
from hub.web.templating import render
from hub.web.visitor import visitor


async def recount(request: Request) -> None:
    """After a page marked notices read: the bell shows the count as it now is."""
    found = visitor(request)
    if found.user_id is not None:
        found.unread = await notifications.unread_of(request.app.state.runtime, found.user_id)


async def notifications_page(request: Request) -> Response:
    unread_only = request.query_params.get("unread") == "1"
    before = query_id(request, "before")
    async with action(request) as ctx:
        rows, next_id = await notifications.list_notifications(
            ctx, unread=unread_only, before=before
        )
    days: list[tuple[dt.date, list[Notification]]] = [
        (day, list(items)) for day, items in groupby(rows, key=lambda n: n.created_at.date())
    ]
    return render(
        request,
        "notifications.html",
        {
            "days": days,
            "next_id": next_id,
            "unread_only": unread_only,
            "labels": notifications.KIND_TEXT,
            "done": request.query_params.get("done"),
        },
    )


async def mark_read(request: Request) -> Response:
    form = await read_form(request)
    every = form.get("all") == "1"
    one = as_id(str(form.get("id", "")))
    async with action(request) as ctx:
        await notifications.do_mark_read(ctx, ids=[one] if one else [], every=every)
    return RedirectResponse("/notifications?done=read", status_code=303)
