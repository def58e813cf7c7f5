"""Who sits in a network (admins and its coordinators) and in a committee (admins).

Also the form plumbing the administration pages share: `submit` runs one action on a posted
form and redirects (Post/Redirect/Get); on Invalid or Conflict it shows the same page again,
with the error beside the field and the input kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import bodies
from hub.actions.context import Context
from hub.actions.errors import Conflict, Invalid
from hub.permissions import Action
from hub.reads import admin
from hub.reads import bodies as bodies_reads
from hub.web.errors import translate
from hub.web.forms import action, read_form, text
from hub.web.templating import render

ShowPage = Callable[[Request, dict[str, Any], int], Awaitable[Response]]
Run = Callable[[Context, FormData], Awaitable[str]]


def form_failed(
    request: Request, key: str, error: Invalid | Conflict, form: FormData
) -> dict[str, Any]:
    """Page context naming the form that failed, its error by field, and what was typed."""
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    return {
        "errors": {key: {error.field or "form": translate(request, error)}},
        "values": {key: values},
    }


async def submit(request: Request, key: str, run: Run, show: ShowPage) -> Response:
    """Run `run` on the posted form; it returns where to go next (with ?saved=... to confirm)."""
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            target = await run(ctx, form)
    except (Invalid, Conflict) as error:
        return await show(request, form_failed(request, key, error, form), error.status)
    return RedirectResponse(target, status_code=303)


def _user_id(request: Request) -> int:
    user_id: int = request.path_params["user_id"]
    return user_id


# --- a network's members --------------------------------------------------------------------


async def network_members_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with action(request) as ctx:
        ctx.require_user()
        network = await bodies_reads.access_network(
            ctx, request.path_params["slug"], Action.MANAGE_NETWORK_MEMBERS
        )
        members = await bodies_reads.network_members(ctx, network)
    return render(
        request,
        "networks/members.html",
        {
            "network": network,
            "members": members,
            "coordinators": sum(1 for m in members if m.role == "coordinator"),
            "is_admin": ctx.principal.is_admin,
            "can_invite": ctx.may(Action.INVITE, network),
            "saved": request.query_params.get("saved"),
            "errors": {},
            "values": {},
            **(extra or {}),
        },
        status_code=status,
    )


async def add_network_member(request: Request) -> Response:
    slug = request.path_params["slug"]

    async def run(ctx: Context, form: FormData) -> str:
        ctx.require_user()
        # The network first: someone who may not manage it learns nothing about the address.
        await bodies_reads.access_network(ctx, slug, Action.MANAGE_NETWORK_MEMBERS)
        user = await admin.find_user_by_email(ctx, text(form, "email"))
        assert user.id is not None
        await bodies.do_set_network_member(ctx, slug, user.id, role=text(form, "role"))
        return f"/networks/{slug}/members?saved=added"

    return await submit(request, "add", run, network_members_page)


async def set_network_member_role(request: Request) -> Response:
    slug, user_id = request.path_params["slug"], _user_id(request)

    async def run(ctx: Context, form: FormData) -> str:
        ctx.require_user()
        await bodies.do_set_network_member(ctx, slug, user_id, role=text(form, "role"))
        if ctx.actor and ctx.actor.id == user_id and not ctx.principal.is_admin:
            return f"/networks/{slug}"  # a coordinator who stepped down manages no more
        return f"/networks/{slug}/members?saved=role"

    return await submit(request, f"m{user_id}", run, network_members_page)


async def remove_network_member(request: Request) -> Response:
    slug, user_id = request.path_params["slug"], _user_id(request)

    async def run(ctx: Context, form: FormData) -> str:
        ctx.require_user()
        await bodies.do_remove_network_member(ctx, slug, user_id)
        if ctx.actor and ctx.actor.id == user_id and not ctx.principal.is_admin:
            return f"/networks/{slug}"
        return f"/networks/{slug}/members?saved=removed"

    return await submit(request, f"m{user_id}", run, network_members_page)


# --- a committee: its details and members ---------------------------------------------------


async def committee_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with action(request) as ctx:
        committee = await bodies_reads.access_committee(
            ctx, request.path_params["slug"], Action.EDIT_COMMITTEE
        )
        members = await bodies_reads.committee_members(ctx, committee)
        networks = await bodies_reads.networks_of_committee(ctx, committee)
    return render(
        request,
        "admin/committee.html",
        {
            "committee": committee,
            "members": members,
            "networks": networks,
            "saved": request.query_params.get("saved"),
            "errors": {},
            "values": {},
            **(extra or {}),
        },
        status_code=status,
    )


async def update_committee(request: Request) -> Response:
    slug = request.path_params["slug"]

    async def run(ctx: Context, form: FormData) -> str:
        await bodies.do_update_committee(
            ctx,
            slug,
            name=text(form, "name"),
            name_en=text(form, "name_en"),
            description=text(form, "description"),
        )
        return f"/admin/committees/{slug}?saved=saved"

    return await submit(request, "edit", run, committee_page)


async def add_committee_member(request: Request) -> Response:
    slug = request.path_params["slug"]

    async def run(ctx: Context, form: FormData) -> str:
        await bodies_reads.access_committee(ctx, slug, Action.MANAGE_COMMITTEE_MEMBERS)
        user = await admin.find_user_by_email(ctx, text(form, "email"))
        assert user.id is not None
        await bodies.do_set_committee_member(ctx, slug, user.id, role=text(form, "role"))
        return f"/admin/committees/{slug}?saved=added"

    return await submit(request, "add", run, committee_page)


async def set_committee_member_role(request: Request) -> Response:
    slug, user_id = request.path_params["slug"], _user_id(request)

    async def run(ctx: Context, form: FormData) -> str:
        await bodies.do_set_committee_member(ctx, slug, user_id, role=text(form, "role"))
        return f"/admin/committees/{slug}?saved=role"

    return await submit(request, f"m{user_id}", run, committee_page)


async def remove_committee_member(request: Request) -> Response:
    slug, user_id = request.path_params["slug"], _user_id(request)

    async def run(ctx: Context, form: FormData) -> str:
        await bodies.do_remove_committee_member(ctx, slug, user_id)
        return f"/admin/committees/{slug}?saved=removed"

    return await submit(request, f"m{user_id}", run, committee_page)
