"""One-click unsubscribe (N3, RFC 8058): the mail's signed link works without signing in and
only for the person it was sent to. GET shows a confirmation with a button (a link preview or
a virus scanner fetching it changes nothing); POST, from that button or from the mail client
(`List-Unsubscribe=One-Click`), turns notification mail and the digest off."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub.actions.context import act
from hub.actions.errors import N_, NotFound
from hub.actions.notify_mail import unsubscribe_user
from hub.actions.notify_prefs import unsubscribe_all
from hub.web.templating import render

BAD_LINK = N_("This unsubscribe link is not valid.")


def _person(request: Request) -> int:
    user_id = unsubscribe_user(request.app.state.runtime.settings, request.path_params["token"])
    if user_id is None:
        raise NotFound(BAD_LINK)
    return user_id


async def unsubscribe_page(request: Request) -> Response:
    _person(request)
    return render(request, "unsubscribe.html", {"token": request.path_params["token"]})


async def unsubscribe(request: Request) -> Response:
    user_id = _person(request)
    async with act(request.app.state.runtime, system=True) as ctx:
        await unsubscribe_all(ctx, user_id)
    return render(request, "unsubscribe.html", {"done": True})
