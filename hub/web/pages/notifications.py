"""The notifications page: the signed-in person's notices grouped by day, marked read one by one
or all at once with plain forms (no JavaScript needed)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import notifications
from hub.actions.errors import N_
from hub.models import Notification
from hub.web.forms import action, as_id, query_id, read_form
from hub.web.templating import render
from hub.web.visitor import visitor

# What each kind says in the list; the title and link name the thing.
KIND_LABELS = {
    "mentioned": N_("mentioned you"),
    "reply": N_("replied to you"),
    "proposal_submitted": N_("new proposal in your network"),
    "proposal_reviewed": N_("your proposal was reviewed"),
    "coauthor_invited": N_("invited you to co-author"),
    "vote_opened": N_("a vote opened"),
    "vote_closing": N_("a vote closes within a day and you have not voted"),
    "vote_result": N_("a vote's result"),
    "initiative_delivered": N_("an initiative reached your committee"),
    "initiative_decision": N_("a decision on an initiative"),
    "initiative_follow_up": N_("a follow-up on an initiative"),
    "compile_failed": N_("an initiative could not be compiled"),
}


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
            "labels": KIND_LABELS,
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
