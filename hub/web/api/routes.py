"""JSON endpoints. Each handler parses, calls one action, and returns the Public shape."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import accounts, bodies, invitations
from hub.actions.errors import N_, Invalid, NotFound, NotSignedIn
from hub.web.api.serialize import (
    committee_public,
    invitation_public,
    municipality_public,
    network_public,
    user_private,
)
from hub.web.forms import action, read_json, string
from hub.web.visitor import visitor


def _path_int(request: Request, name: str) -> int:
    raw = request.path_params[name]
    if not str(raw).isdigit():
        raise Invalid(N_("Not a valid id."), field=name)
    if len(str(raw)) > 10 or int(raw) > 2**31 - 1:  # beyond any id the database can hold
        raise NotFound(N_("No such object."))
    return int(raw)


def _require_signed_in(request: Request) -> None:
    if not visitor(request).signed_in:
        raise NotSignedIn(N_("Please sign in first."))


async def issue_token(request: Request) -> Response:
    """summary: Exchange an e-mail and password for an API token
    requestBody: {email, password, name?}
    responses:
      200: {token, user}
      422: wrong credentials (one message for unknown e-mail and wrong password)
      429: too many failed attempts
    """
    data = await read_json(request)
    async with action(request) as ctx:
        user, token = await accounts.do_issue_api_token(
            ctx,
            email=string(data, "email"),
            password=string(data, "password"),
            name=string(data, "name") or "",
        )
        municipality = await accounts.municipality_of(ctx, user)
    return JSONResponse({"token": token, "user": user_private(user, municipality)})


async def revoke_token(request: Request) -> Response:
    """summary: Revoke the API token this request is made with
    description: The token stops working at once, and sockets it opened are closed (4401).
    responses:
      204: revoked
      401: the request carries no live API token
    """
    found = visitor(request)
    header = request.headers.get("authorization", "")
    if found.via != "token" or not header.lower().startswith("bearer "):
        raise NotSignedIn(N_("Send the API token to revoke as a Bearer token."))
    async with action(request) as ctx:
        await accounts.do_revoke_api_token(ctx, token=header[7:].strip())
    return Response(status_code=204)


async def me(request: Request) -> Response:
    """summary: The signed-in user with their networks and committees and roles"""
    _require_signed_in(request)
    async with action(request) as ctx:
        user = ctx.require_user()
        networks, committees = await bodies.my_bodies(ctx)
        municipality = await accounts.municipality_of(ctx, user)
    return JSONResponse(
        {
            "user": user_private(user, municipality),
            "networks": [{"slug": n.slug, "name": n.name, "role": r} for n, r in networks],
            "committees": [{"slug": c.slug, "name": c.name, "role": r} for c, r in committees],
        }
    )


async def create_user(request: Request) -> Response:
    """summary: Create a user (admins)
    requestBody: {email, name, password?, municipality?, is_admin?}
    responses:
      201: the new user; `password` is included only when one was generated
      409: the e-mail address is taken
      422: invalid fields
    """
    _require_signed_in(request)
    data = await read_json(request)
    async with action(request) as ctx:
        user, generated = await accounts.do_create_user(
            ctx,
            email=string(data, "email") or "",
            name=string(data, "name") or "",
            password=string(data, "password"),
            municipality=string(data, "municipality"),
            is_admin=data.get("is_admin") is True,
        )
        municipality = await accounts.municipality_of(ctx, user)
    body = user_private(user, municipality)
    if generated:
        body["password"] = generated
    return JSONResponse(body, status_code=201)


async def set_network_member(request: Request) -> Response:
    """summary: Add a member to a network or change their role (admins, the network's coordinators)
    requestBody: {role: member|coordinator}
    """
    _require_signed_in(request)
    data = await read_json(request)
    async with action(request) as ctx:
        membership = await bodies.do_set_network_member(
            ctx,
            request.path_params["slug"],
            _path_int(request, "user_id"),
            role=string(data, "role"),
        )
    return JSONResponse(
        {
            "network": request.path_params["slug"],
            "user_id": membership.user_id,
            "role": membership.role,
        }
    )


async def remove_network_member(request: Request) -> Response:
    """summary: Remove a member from a network (admins, the network's coordinators)"""
    _require_signed_in(request)
    async with action(request) as ctx:
        await bodies.do_remove_network_member(
            ctx, request.path_params["slug"], _path_int(request, "user_id")
        )
    return Response(status_code=204)


async def set_committee_member(request: Request) -> Response:
    """summary: Add a member to a committee or change their role (admins)
    requestBody: {role: member|chair}
    """
    _require_signed_in(request)
    data = await read_json(request)
    async with action(request) as ctx:
        membership = await bodies.do_set_committee_member(
            ctx,
            request.path_params["slug"],
            _path_int(request, "user_id"),
            role=string(data, "role"),
        )
    return JSONResponse(
        {
            "committee": request.path_params["slug"],
            "user_id": membership.user_id,
            "role": membership.role,
        }
    )


async def remove_committee_member(request: Request) -> Response:
    """summary: Remove a member from a committee (admins)"""
    _require_signed_in(request)
    async with action(request) as ctx:
        await bodies.do_remove_committee_member(
            ctx, request.path_params["slug"], _path_int(request, "user_id")
        )
    return Response(status_code=204)


async def list_networks(request: Request) -> Response:
    """summary: Networks the caller may read, each naming its committee"""
    _require_signed_in(request)
    async with action(request) as ctx:
        networks = await bodies.list_networks(ctx)
        committees = {c.id: c for c in await bodies.list_committees(ctx)}
    items = [network_public(n, committees.get(n.committee_id)) for n in networks]
    return JSONResponse({"items": items, "next": None})


async def get_network(request: Request) -> Response:
    """summary: One network with its coordinators
    responses:
      404: no such network, or the caller may not read it
    """
    _require_signed_in(request)
    async with action(request) as ctx:
        network = await bodies.access_network(ctx, request.path_params["slug"])
        committee = (
            await bodies.committee_by_id(ctx, network.committee_id)
            if network.committee_id
            else None
        )
        members = await bodies.network_members(ctx, network)
    body = network_public(network, committee)
    body["coordinators"] = [
        {"id": m.user.id, "name": m.user.name} for m in members if m.role == "coordinator"
    ]
    body["member_count"] = len(members)
    return JSONResponse(body)


async def list_committees(request: Request) -> Response:
    """summary: The association's committees"""
    _require_signed_in(request)
    async with action(request) as ctx:
        committees = await bodies.list_committees(ctx)
    return JSONResponse({"items": [committee_public(c) for c in committees], "next": None})


async def list_municipalities(request: Request) -> Response:
    """summary: Member local governments (grad, opstina, gradska_opstina)
    parameters: kind (optional filter)
    """
    _require_signed_in(request)
    kind = request.query_params.get("kind")
    if kind is not None and kind not in ("grad", "opstina", "gradska_opstina"):
        raise Invalid(
            N_("Choose one of: %(choices)s."),
            field="kind",
            choices="grad, opstina, gradska_opstina",
        )
    async with action(request) as ctx:
        municipalities = await bodies.list_municipalities(ctx, kind)
        everyone = municipalities if kind is None else await bodies.list_municipalities(ctx)
    parents = {m.id: m.slug for m in everyone if m.id is not None}
    return JSONResponse(
        {"items": [municipality_public(m, parents) for m in municipalities], "next": None}
    )


async def create_invitation(request: Request) -> Response:
    """summary: Invite a person by e-mail (admins; coordinators into their network)
    requestBody: {email, name, network?, role?, municipality?}
    responses:
      201: the invitation; the link goes by e-mail only
    """
    _require_signed_in(request)
    data = await read_json(request)
    async with action(request) as ctx:
        invitation = await invitations.do_invite(
            ctx,
            email=string(data, "email"),
            name=string(data, "name"),
            network=string(data, "network"),
            role=string(data, "role") or "member",
            municipality=string(data, "municipality"),
        )
    return JSONResponse(invitation_public(invitation), status_code=201)


ROUTES = [
    Route("/auth/token", issue_token, methods=["POST"]),
    Route("/auth/token", revoke_token, methods=["DELETE"]),
    Route("/me", me, methods=["GET"]),
    Route("/users", create_user, methods=["POST"]),
    Route("/invitations", create_invitation, methods=["POST"]),
    Route("/networks", list_networks, methods=["GET"]),
    Route("/networks/{slug}", get_network, methods=["GET"]),
    Route("/networks/{slug}/members/{user_id}", set_network_member, methods=["PUT"]),
    Route("/networks/{slug}/members/{user_id}", remove_network_member, methods=["DELETE"]),
    Route("/committees", list_committees, methods=["GET"]),
    Route("/committees/{slug}/members/{user_id}", set_committee_member, methods=["PUT"]),
    Route("/committees/{slug}/members/{user_id}", remove_committee_member, methods=["DELETE"]),
    Route("/municipalities", list_municipalities, methods=["GET"]),
]
