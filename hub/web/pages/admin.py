"""Administration pages: users, invitations, networks, committees, local governments, audit.

Every page asks an action, which checks the permission: admins only, except invitations,
which coordinators use for the networks they coordinate.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

import hub.web.convertors  # noqa: F401  (registers the "id" path convertor)
from hub.actions import accounts, bodies, invitations
from hub.actions.context import Context
from hub.actions.errors import Conflict, Invalid
from hub.models import MunicipalityKind, NetworkRole
from hub.permissions import Action
from hub.reads import accounts as accounts_reads
from hub.reads import admin, audit_log
from hub.reads import bodies as bodies_reads
from hub.web.forms import action, read_form, text
from hub.web.pages import audit_view, members
from hub.web.pages.members import form_failed, submit
from hub.web.templating import render
from hub.web.visitor import visitor


def _page_context(request: Request, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {"saved": request.query_params.get("saved"), "errors": {}, "values": {}, **(extra or {})}


async def overview(request: Request) -> Response:
    async with action(request) as ctx:
        counts = await admin.overview(ctx)
        recent = await audit_log.list_audit(ctx, limit=10)
    lines = audit_view.present(recent.items, visitor(request).language)
    return render(request, "admin/overview.html", {"counts": counts, "recent": lines})


# --- users ----------------------------------------------------------------------------------


async def users_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    query = request.query_params
    filters = {"q": query.get("q", ""), "municipality": query.get("municipality", "")}
    async with action(request) as ctx:
        page = await admin.list_users(
            ctx,
            search=filters["q"],
            municipality=filters["municipality"],
            cursor=query.get("after"),
        )
        municipalities = await admin.municipality_choices(ctx)
    return render(
        request,
        "admin/users.html",
        {
            "page": page,
            "filters": filters,
            "paged": bool(query.get("after")),
            "next_url": f"?{urlencode({**filters, 'after': page.next})}" if page.next else "",
            "first_url": f"?{urlencode(filters)}",
            "municipalities": municipalities,
            "association": admin.ASSOCIATION,
            **_page_context(request, extra),
        },
        status_code=status,
    )


async def create_user(request: Request) -> Response:
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            user, generated = await accounts.do_create_user(
                ctx,
                email=text(form, "email"),
                name=text(form, "name"),
                password=text(form, "password") or None,
                municipality=text(form, "municipality") or None,
                is_admin=text(form, "is_admin") == "1",
                title=text(form, "title"),
            )
    except (Invalid, Conflict) as error:
        return await users_page(request, form_failed(request, "create", error, form), error.status)
    assert user.id is not None
    if generated:
        # Shown once, on this response only: never in a URL, a log or the database.
        return await user_page(request, {"generated": generated}, 201, user_id=user.id)
    return RedirectResponse(f"/admin/users/{user.id}?saved=created", status_code=303)


async def user_page(
    request: Request,
    extra: dict[str, Any] | None = None,
    status: int = 200,
    *,
    user_id: int | None = None,
) -> Response:
    user_id = user_id if user_id is not None else request.path_params["user_id"]
    async with action(request) as ctx:
        user = await admin.access_managed_user(ctx, user_id)
        networks, committees = await admin.user_memberships(ctx, user_id)
        municipality = await accounts_reads.municipality_of(ctx, user)
        municipalities = await admin.municipality_choices(ctx)
    return render(
        request,
        "admin/user.html",
        {
            "user": user,
            "municipality": municipality,
            "networks": networks,
            "committees": committees,
            "municipalities": municipalities,
            "is_self": ctx.actor is not None and ctx.actor.id == user.id,
            **_page_context(request, extra),
        },
        status_code=status,
    )


async def update_user(request: Request) -> Response:
    user_id: int = request.path_params["user_id"]

    async def run(ctx: Context, form: FormData) -> str:
        await accounts.do_update_user(
            ctx,
            user_id,
            name=text(form, "name"),
            municipality=text(form, "municipality") or None,
            title=text(form, "title"),
        )
        return f"/admin/users/{user_id}?saved=saved"

    return await submit(request, "edit", run, user_page)


def _flag(form: FormData, key: str) -> bool | None:
    value = text(form, key)
    return None if value not in ("0", "1") else value == "1"


async def set_user_flags(request: Request) -> Response:
    user_id: int = request.path_params["user_id"]

    async def run(ctx: Context, form: FormData) -> str:
        await accounts.do_set_user_flags(
            ctx, user_id, is_admin=_flag(form, "is_admin"), is_active=_flag(form, "is_active")
        )
        return f"/admin/users/{user_id}?saved=flags"

    return await submit(request, "flags", run, user_page)


# --- invitations (admins, and coordinators for their networks) ------------------------------


async def invitations_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with action(request) as ctx:
        rows = await admin.invitation_rows(ctx)
        networks = await admin.invitable_networks(ctx)
        municipalities = await admin.municipality_choices(ctx)
    return render(
        request,
        "admin/invitations.html",
        {
            "rows": rows,
            "networks": networks,
            "municipalities": municipalities,
            "is_admin": ctx.principal.is_admin,
            "preselect": request.query_params.get("network", ""),
            **_page_context(request, extra),
        },
        status_code=status,
    )


async def invite(request: Request) -> Response:
    async def run(ctx: Context, form: FormData) -> str:
        await invitations.do_invite(
            ctx,
            email=text(form, "email"),
            name=text(form, "name"),
            network=text(form, "network") or None,
            role=text(form, "role") or NetworkRole.MEMBER,
            municipality=text(form, "municipality") or None,
        )
        return "/admin/invitations?saved=invited"

    return await submit(request, "invite", run, invitations_page)


async def revoke_invitation(request: Request) -> Response:
    invitation_id: int = request.path_params["invitation_id"]

    async def run(ctx: Context, form: FormData) -> str:
        await invitations.do_revoke_invitation(ctx, invitation_id)
        return "/admin/invitations?saved=revoked"

    return await submit(request, "list", run, invitations_page)


# --- networks and committees ----------------------------------------------------------------


async def networks_page(request: Request) -> Response:
    async with action(request) as ctx:
        rows = await admin.admin_networks(ctx)
    return render(request, "admin/networks.html", {"rows": rows})


async def network_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    async with action(request) as ctx:
        ctx.require_user()  # before the lookup: a visitor not signed in is sent to sign in
        network = await bodies_reads.access_network(
            ctx, request.path_params["slug"], Action.EDIT_NETWORK
        )
        committees = await admin.all_committees(ctx)
    return render(
        request,
        "admin/network.html",
        {
            "network": network,
            "committees": committees,
            "committee": next((c for c in committees if c.id == network.committee_id), None),
            **_page_context(request, extra),
        },
        status_code=status,
    )


async def update_network(request: Request) -> Response:
    slug = request.path_params["slug"]

    async def run(ctx: Context, form: FormData) -> str:
        ctx.require_user()
        await bodies.do_update_network(
            ctx,
            slug,
            name=text(form, "name"),
            name_en=text(form, "name_en"),
            description=text(form, "description"),
            committee=text(form, "committee") or None,
            visibility=text(form, "visibility"),
        )
        return f"/admin/networks/{slug}?saved=saved"

    return await submit(request, "edit", run, network_page)


async def committees_page(request: Request) -> Response:
    async with action(request) as ctx:
        rows = await admin.admin_committees(ctx)
    return render(request, "admin/committees.html", {"rows": rows})


# --- local governments ----------------------------------------------------------------------


def _municipality_filters(source: Any) -> dict[str, str]:
    kind = str(source.get("kind") or "")
    return {
        "kind": kind if kind in tuple(MunicipalityKind) else "",
        "region": str(source.get("region") or "")[:80],
    }


async def municipalities_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    filters = (extra or {}).get("filters") or _municipality_filters(request.query_params)
    async with action(request) as ctx:
        rows, regions = await admin.admin_municipalities(ctx, **filters)
    return render(
        request,
        "admin/municipalities.html",
        {
            "rows": rows,
            "regions": regions,
            "kinds": tuple(MunicipalityKind),
            "filters": filters,
            "unchecked": sum(1 for m in rows if not m.confirmed),
            **_page_context(request, extra),
        },
        status_code=status,
    )


async def update_municipality(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await read_form(request)
    filters = _municipality_filters(form)
    try:
        async with action(request) as ctx:
            await bodies.do_update_municipality(
                ctx,
                slug,
                name=text(form, "name"),
                is_member=text(form, "is_member") == "1",
                confirmed=text(form, "confirmed") == "1",
            )
    except (Invalid, Conflict) as error:
        extra = {**form_failed(request, f"m:{slug}", error, form), "filters": filters}
        return await municipalities_page(request, extra, error.status)
    query = urlencode({k: v for k, v in {**filters, "saved": slug}.items() if v})
    return RedirectResponse(f"/admin/municipalities?{query}#m-{slug}", status_code=303)


# --- the audit log --------------------------------------------------------------------------


async def audit_page(request: Request) -> Response:
    query = request.query_params
    filters = {"action": query.get("action", "")[:80], "actor": query.get("actor", "")[:100]}
    async with action(request) as ctx:
        page = await audit_log.list_audit(
            ctx, action=filters["action"], actor=filters["actor"], cursor=query.get("after")
        )
    return render(
        request,
        "admin/audit.html",
        {
            "page": page,
            "lines": audit_view.present(page.items, visitor(request).language),
            "action_choices": audit_view.filter_choices(visitor(request).language),
            "filters": filters,
            "paged": bool(query.get("after")),
            "next_url": f"?{urlencode({**filters, 'after': page.next})}" if page.next else "",
            "first_url": f"?{urlencode(filters)}",
        },
    )


ROUTES: list[BaseRoute] = [
    Route("/admin", overview, methods=["GET"]),
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users", create_user, methods=["POST"]),
    Route("/admin/users/{user_id:id}", user_page, methods=["GET"]),
    Route("/admin/users/{user_id:id}", update_user, methods=["POST"]),
    Route("/admin/users/{user_id:id}/flags", set_user_flags, methods=["POST"]),
    Route("/admin/invitations", invitations_page, methods=["GET"]),
    Route("/admin/invitations", invite, methods=["POST"]),
    Route("/admin/invitations/{invitation_id:id}/revoke", revoke_invitation, methods=["POST"]),
    Route("/admin/networks", networks_page, methods=["GET"]),
    Route("/admin/networks/{slug}", network_page, methods=["GET"]),
    Route("/admin/networks/{slug}", update_network, methods=["POST"]),
    Route("/admin/committees", committees_page, methods=["GET"]),
    Route("/admin/committees/{slug}", members.committee_page, methods=["GET"]),
    Route("/admin/committees/{slug}", members.update_committee, methods=["POST"]),
    Route("/admin/committees/{slug}/members", members.add_committee_member, methods=["POST"]),
    Route(
        "/admin/committees/{slug}/members/{user_id:id}",
        members.set_committee_member_role,
        methods=["POST"],
    ),
    Route(
        "/admin/committees/{slug}/members/{user_id:id}/remove",
        members.remove_committee_member,
        methods=["POST"],
    ),
    Route("/admin/municipalities", municipalities_page, methods=["GET"]),
    Route("/admin/municipalities/{slug}", update_municipality, methods=["POST"]),
    Route("/admin/audit", audit_page, methods=["GET"]),
    Route("/networks/{slug}/members", members.network_members_page, methods=["GET"]),
    Route("/networks/{slug}/members", members.add_network_member, methods=["POST"]),
    Route(
        "/networks/{slug}/members/{user_id:id}",
        members.set_network_member_role,
        methods=["POST"],
    ),
    Route(
        "/networks/{slug}/members/{user_id:id}/remove",
        members.remove_network_member,
        methods=["POST"],
    ),
]
