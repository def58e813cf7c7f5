"""The signed-in person's profile: name, title, language and script, password."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import accounts
from hub.actions.errors import Invalid
from hub.reads import accounts as accounts_reads
from hub.reads.bodies import my_bodies
from hub.web.errors import translate
from hub.web.forms import action, read_form
from hub.web.templating import render
from hub.web.visitor import visitor


async def _page(request: Request, extra: dict[str, object], status_code: int = 200) -> Response:
    async with action(request) as ctx:
        user = ctx.require_user()
        my_networks, my_committees = await my_bodies(ctx)
        municipality = await accounts_reads.municipality_of(ctx, user)
    return render(
        request,
        "profile.html",
        {
            "user": user,
            "municipality": municipality,
            "my_networks": my_networks,
            "my_committees": my_committees,
            **extra,
        },
        status_code=status_code,
    )


async def profile_page(request: Request) -> Response:
    return await _page(request, {"saved": request.query_params.get("saved")})


async def update_profile(request: Request) -> Response:
    form = await read_form(request)
    values = {k: str(form.get(k, "")) for k in ("name", "title", "language")}
    try:
        async with action(request) as ctx:
            await accounts.do_update_profile(ctx, **values)
    except Invalid as error:
        return await _page(
            request,
            {"errors": {error.field or "form": translate(request, error)}, "values": values},
            status_code=422,
        )
    response = RedirectResponse("/profile?saved=profile", status_code=303)
    return response


async def change_password(request: Request) -> Response:
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            await accounts.do_change_password(
                ctx,
                current=str(form.get("current_password", "")),
                new=str(form.get("new_password", "")),
                keep_token=visitor(request).session_token,
            )
    except Invalid as error:
        return await _page(
            request,
            {"password_errors": {error.field or "form": translate(request, error)}},
            status_code=422,
        )
    return RedirectResponse("/profile?saved=password", status_code=303)
