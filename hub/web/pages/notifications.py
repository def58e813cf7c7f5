"""The notifications page (the person's notices grouped by day, marked read one by one or all at
once) and the notification settings page: plain forms, no JavaScript needed."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import notifications, notify_prefs
from hub.actions.errors import Invalid
from hub.models import Notification
from hub.reads import notifications as notifications_reads
from hub.reads import notify_prefs as notify_prefs_reads
from hub.web.errors import translate
from hub.web.forms import action, as_id, query_id, read_form
from hub.web.templating import render
from hub.web.visitor import visitor


async def recount(request: Request) -> None:
    """After a page marked notices read: the bell shows the count as it now is."""
    found = visitor(request)
    if found.user_id is not None:
        found.unread = await notifications_reads.unread_of(request.app.state.runtime, found.user_id)


async def notifications_page(request: Request) -> Response:
    unread_only = request.query_params.get("unread") == "1"
    before = query_id(request, "before")
    async with action(request) as ctx:
        rows, next_id = await notifications_reads.list_notifications(
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
            "labels": notifications_reads.KIND_TEXT,
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


async def _settings(
    request: Request,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    """The form with the saved settings, or after a 422 with what was typed over them."""
    async with action(request) as ctx:
        user = ctx.require_user()
        prefs = await notify_prefs_reads.prefs_of(ctx, user.id or 0)
    if typed is not None:
        prefs = notify_prefs_reads.Prefs(
            {**prefs.email, **typed["email"]},
            {slug: typed["networks"].get(slug, level) for slug, level in prefs.networks.items()},
            typed["digest"],
        )
    return render(
        request,
        "notification_settings.html",
        {
            "prefs": prefs,
            "labels": notifications_reads.KIND_TEXT,
            "saved": request.query_params.get("saved"),
            "errors": errors or {},
        },
        status_code=422 if errors else 200,
    )


async def settings_page(request: Request) -> Response:
    return await _settings(request)


async def save_settings(request: Request) -> Response:
    """The form sends every kind's box (unticked: absent) and every network's level."""
    form = await read_form(request)
    data: dict[str, Any] = {
        "email": {k: form.get(f"email_{k}") == "on" for k in notifications_reads.KIND_TEXT},
        "networks": {
            key[4:]: str(value) for key, value in form.multi_items() if key.startswith("net_")
        },
        "digest": str(form.get("digest", "")),
    }
    try:
        async with action(request) as ctx:
            await notify_prefs.do_set_prefs(ctx, data)
    except Invalid as error:
        errors = {error.field or "form": translate(request, error)}
        return await _settings(request, errors, typed=data)
    return RedirectResponse("/profile/notifications?saved=1", status_code=303)
