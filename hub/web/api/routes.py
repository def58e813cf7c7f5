"""JSON endpoints. Each handler parses, calls one action, and returns the Public shape.

Each carries its Spec (hub.web.api.spec): the body and query it reads, and the answers it
gives, from which the OpenAPI document is generated.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import accounts, bodies, invitations
from hub.actions.errors import N_, NotSignedIn
from hub.actions.validate import NAME_MAX
from hub.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from hub.reads import accounts as accounts_reads
from hub.reads import bodies as bodies_reads
from hub.reads.accounts import user_private
from hub.reads.bodies import committee_public, municipality_public, network_public
from hub.reads.invitations import invitation_public
from hub.web.api.shapes import page, ref
from hub.web.api.spec import NOT_BLANK, Field, Param, Spec
from hub.web.forms import action, path_id
from hub.web.visitor import visitor

EMAIL = Field("email", required=True, max_length=254, pattern="@", example="jelena@example.org")
NAME = Field(
    "name", required=True, max_length=NAME_MAX, pattern=NOT_BLANK, example="Jelena Jovanović"
)
MUNICIPALITY = Field("municipality", max_length=80, description="a slug", example="nis")
NO_USER = N_("No such person.")


def _require_signed_in(request: Request) -> None:
    if not visitor(request).signed_in:
        raise NotSignedIn(N_("Please sign in first."))


def _user_id(request: Request) -> int:
    return path_id(request, "user_id", NO_USER)


ISSUE_TOKEN = Spec(
    summary="Exchange an e-mail and password for an API token",
    public=True,
    body=(
        Field("email", required=True, max_length=254, example="admin@demo.skgo.test"),
        Field("password", required=True, max_length=MAX_PASSWORD_LENGTH, example="demo-lozinka"),
        Field("name", max_length=100, description="a label for the token"),
    ),
    responses={
        200: ("the token (shown only here) and its user", ref("Token")),
        422: "wrong credentials (one message for unknown e-mail and wrong password)",
        429: "too many failed attempts; `Retry-After` says how long to wait",
    },
)


@ISSUE_TOKEN
async def issue_token(request: Request) -> Response:
    data = await ISSUE_TOKEN.read(request)
    async with action(request) as ctx:
        user, token = await accounts.do_issue_api_token(
            ctx, email=data["email"], password=data["password"], name=data["name"] or ""
        )
        municipality = await accounts_reads.municipality_of(ctx, user)
    return JSONResponse({"token": token, "user": user_private(user, municipality)})


@Spec(
    summary="Revoke the API token this request is made with",
    description="The token stops working at once, and sockets it opened are closed (4401).",
    responses={
        204: "revoked",
        401: "the request carries no live API token",
    },
)
async def revoke_token(request: Request) -> Response:
    found = visitor(request)
    header = request.headers.get("authorization", "")
    if found.via != "token" or not header.lower().startswith("bearer "):
        raise NotSignedIn(N_("Send the API token to revoke as a Bearer token."))
    async with action(request) as ctx:
        await accounts.do_revoke_api_token(ctx, token=header[7:].strip())
    return Response(status_code=204)


@Spec(
    summary="The signed-in user with their networks and committees and roles",
    responses={200: ("the caller", ref("Me"))},
)
async def me(request: Request) -> Response:
    _require_signed_in(request)
    async with action(request) as ctx:
        user = ctx.require_user()
        networks, committees = await bodies_reads.my_bodies(ctx)
        municipality = await accounts_reads.municipality_of(ctx, user)
    return JSONResponse(
        {
            "user": user_private(user, municipality),
            "networks": [{"slug": n.slug, "name": n.name, "role": r} for n, r in networks],
            "committees": [{"slug": c.slug, "name": c.name, "role": r} for c, r in committees],
        }
    )


CREATE_USER = Spec(
    summary="Create a user (admins)",
    body=(
        EMAIL,
        NAME,
        Field(
            "password",
            min_length=MIN_PASSWORD_LENGTH,
            max_length=MAX_PASSWORD_LENGTH,
            description="generated when absent",
        ),
        MUNICIPALITY,
        Field("is_admin", "bool", description="true makes an administrator"),
    ),
    responses={
        201: ("the new user; `password` only when one was generated", ref("NewUser")),
        403: "not an administrator",
        409: "the e-mail address is taken",
        422: "an invalid field, or an unknown municipality",
    },
)


@CREATE_USER
async def create_user(request: Request) -> Response:
    _require_signed_in(request)
    data = await CREATE_USER.read(request)
    async with action(request) as ctx:
        user, generated = await accounts.do_create_user(
            ctx,
            email=data["email"],
            name=data["name"],
            password=data["password"],
            municipality=data["municipality"],
            is_admin=data["is_admin"] is True,
        )
        municipality = await accounts_reads.municipality_of(ctx, user)
    body = user_private(user, municipality)
    if generated:
        body["password"] = generated
    return JSONResponse(body, status_code=201)


SET_NETWORK_MEMBER = Spec(
    summary="Add a member to a network or change their role (admins, the network's coordinators)",
    body=(Field("role", required=True, choices=("member", "coordinator")),),
    responses={
        200: ("the membership", ref("NetworkMember")),
        403: "the caller does not coordinate the network",
        404: "no such network (or one the caller may not read), or no such user",
        409: "the network would be left without a coordinator",
    },
)


@SET_NETWORK_MEMBER
async def set_network_member(request: Request) -> Response:
    _require_signed_in(request)
    user_id = _user_id(request)
    data = await SET_NETWORK_MEMBER.read(request)
    async with action(request) as ctx:
        membership = await bodies.do_set_network_member(
            ctx, request.path_params["slug"], user_id, role=data["role"]
        )
    return JSONResponse(
        {
            "network": request.path_params["slug"],
            "user_id": membership.user_id,
            "role": membership.role,
        }
    )


@Spec(
    summary="Remove a member from a network (admins, the network's coordinators)",
    responses={
        204: "removed",
        403: "the caller does not coordinate the network",
        404: "no such network, or the user is not a member",
        409: "the network would be left without a coordinator",
    },
)
async def remove_network_member(request: Request) -> Response:
    _require_signed_in(request)
    user_id = _user_id(request)
    async with action(request) as ctx:
        await bodies.do_remove_network_member(ctx, request.path_params["slug"], user_id)
    return Response(status_code=204)


SET_COMMITTEE_MEMBER = Spec(
    summary="Add a member to a committee or change their role (admins)",
    body=(Field("role", required=True, choices=("member", "chair")),),
    responses={
        200: ("the membership", ref("CommitteeMember")),
        403: "not an administrator",
        404: "no such committee or user",
    },
)


@SET_COMMITTEE_MEMBER
async def set_committee_member(request: Request) -> Response:
    _require_signed_in(request)
    user_id = _user_id(request)
    data = await SET_COMMITTEE_MEMBER.read(request)
    async with action(request) as ctx:
        membership = await bodies.do_set_committee_member(
            ctx, request.path_params["slug"], user_id, role=data["role"]
        )
    return JSONResponse(
        {
            "committee": request.path_params["slug"],
            "user_id": membership.user_id,
            "role": membership.role,
        }
    )


@Spec(
    summary="Remove a member from a committee (admins)",
    responses={
        204: "removed",
        403: "not an administrator",
        404: "no such committee, or the user is not a member",
    },
)
async def remove_committee_member(request: Request) -> Response:
    _require_signed_in(request)
    user_id = _user_id(request)
    async with action(request) as ctx:
        await bodies.do_remove_committee_member(ctx, request.path_params["slug"], user_id)
    return Response(status_code=204)


@Spec(
    summary="Networks the caller may read, each naming its committee",
    responses={200: ("the networks, whole", page(ref("Network"), cursor=False))},
)
async def list_networks(request: Request) -> Response:
    _require_signed_in(request)
    async with action(request) as ctx:
        networks = await bodies_reads.list_networks(ctx)
        committees = {c.id: c for c in await bodies_reads.list_committees(ctx)}
    items = [network_public(n, committees.get(n.committee_id)) for n in networks]
    return JSONResponse({"items": items, "next": None})


@Spec(
    summary="One network with its coordinators",
    responses={
        200: ("the network", ref("NetworkDetail")),
        404: "no such network, or the caller may not read it",
    },
)
async def get_network(request: Request) -> Response:
    _require_signed_in(request)
    async with action(request) as ctx:
        network = await bodies_reads.access_network(ctx, request.path_params["slug"])
        committee = (
            await bodies_reads.committee_by_id(ctx, network.committee_id)
            if network.committee_id
            else None
        )
        members = await bodies_reads.network_members(ctx, network)
    body = network_public(network, committee)
    body["coordinators"] = [
        {"id": m.user.id, "name": m.user.name} for m in members if m.role == "coordinator"
    ]
    body["member_count"] = len(members)
    return JSONResponse(body)


@Spec(
    summary="The association's committees",
    responses={200: ("the committees, whole", page(ref("Committee"), cursor=False))},
)
async def list_committees(request: Request) -> Response:
    _require_signed_in(request)
    async with action(request) as ctx:
        committees = await bodies_reads.list_committees(ctx)
    return JSONResponse({"items": [committee_public(c) for c in committees], "next": None})


LIST_MUNICIPALITIES = Spec(
    summary="Member local governments (grad, opstina, gradska_opstina)",
    query=(
        Param("kind", choices=("grad", "opstina", "gradska_opstina"), description="only this kind"),
    ),
    responses={200: ("the local governments, whole", page(ref("Municipality"), cursor=False))},
)


@LIST_MUNICIPALITIES
async def list_municipalities(request: Request) -> Response:
    _require_signed_in(request)
    kind = LIST_MUNICIPALITIES.params(request)["kind"]
    async with action(request) as ctx:
        municipalities = await bodies_reads.list_municipalities(ctx, kind)
        everyone = municipalities if kind is None else await bodies_reads.list_municipalities(ctx)
    parents = {m.id: m.slug for m in everyone if m.id is not None}
    return JSONResponse(
        {"items": [municipality_public(m, parents) for m in municipalities], "next": None}
    )


CREATE_INVITATION = Spec(
    summary="Invite a person by e-mail (admins; coordinators into their network)",
    body=(
        EMAIL,
        NAME,
        Field("network", max_length=80, description="a slug", example="elektronska-uprava"),
        Field("role", choices=("member", "coordinator"), description="member when absent"),
        MUNICIPALITY,
    ),
    responses={
        201: ("the invitation; the link goes by e-mail only", ref("Invitation")),
        403: "a coordinator inviting into a network they do not coordinate",
        409: "the address already has an account",
        422: "an invalid field, an unknown network or municipality, or (coordinators) no network",
    },
)


@CREATE_INVITATION
async def create_invitation(request: Request) -> Response:
    _require_signed_in(request)
    data = await CREATE_INVITATION.read(request)
    async with action(request) as ctx:
        invitation = await invitations.do_invite(
            ctx,
            email=data["email"],
            name=data["name"],
            network=data["network"],
            role=data["role"] or "member",
            municipality=data["municipality"],
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
