"""Who may do what: the policy written out as a table, checked against `can` and the real app.

Part one runs `hub.permissions.can` for every role x Action x object (a network of each
visibility, a committee, nothing). Part two asks the running app the same questions through
its routes, signed in as each role, and checks the status codes the contract promises: 401 for
no one signed in, 403 for signed in but not allowed, 404 for what may not even be seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from hub.models import Committee, Network, User
from hub.models.bodies import Visibility
from hub.permissions import ANONYMOUS, Action, Principal, can
from hub.plumbing.runtime import Runtime
from tests.conftest import csrf_of, make_user, sign_in

A = Action
ROLES = [
    "anonymous",
    "signed_in",  # signed in, in no network or committee
    "member",  # a member of the network
    "coordinator",  # a coordinator of the network
    "other_coordinator",  # a coordinator of another network
    "committee_member",  # a member of the committee
    "committee_chair",  # the chair of the committee
    "admin",
]
EVERYTHING = frozenset(Action)

# --- Part one: the policy as data ------------------------------------------------------------

# What each role may do on a network of each visibility. Network roles are in this network;
# committee roles are in its committee. Any action not listed is refused.
MEMBER = {A.VIEW_NETWORK, A.POST_IN_NETWORK, A.PROPOSE}
COORDINATOR = MEMBER | {
    A.MODERATE_NETWORK,
    A.MANAGE_NETWORK_MEMBERS,
    A.INVITE,
    A.REVIEW_PROPOSALS,
}
NETWORK_POLICY: dict[str, dict[str, set[Action] | frozenset[Action]]] = {
    Visibility.MEMBERS: {
        "anonymous": set(),
        "signed_in": set(),
        "member": MEMBER,
        "coordinator": COORDINATOR,
        "other_coordinator": set(),
        "committee_member": set(),
        "committee_chair": set(),
        "admin": EVERYTHING,
    },
    Visibility.ASSOCIATION: {
        "anonymous": set(),
        "signed_in": {A.VIEW_NETWORK},
        "member": MEMBER,
        "coordinator": COORDINATOR,
        "other_coordinator": {A.VIEW_NETWORK},
        "committee_member": {A.VIEW_NETWORK},
        "committee_chair": {A.VIEW_NETWORK},
        "admin": EVERYTHING,
    },
    Visibility.PUBLIC: {
        "anonymous": {A.VIEW_NETWORK},
        "signed_in": {A.VIEW_NETWORK},
        "member": MEMBER,
        "coordinator": COORDINATOR,
        "other_coordinator": {A.VIEW_NETWORK},
        "committee_member": {A.VIEW_NETWORK},
        "committee_chair": {A.VIEW_NETWORK},
        "admin": EVERYTHING,
    },
}

# On the committee: everyone signed in sees it; its members read the inbox; the chair decides;
# only admins manage its members or edit it.
COMMITTEE_POLICY: dict[str, set[Action] | frozenset[Action]] = {
    "anonymous": set(),
    "signed_in": {A.VIEW_COMMITTEE},
    "member": {A.VIEW_COMMITTEE},
    "coordinator": {A.VIEW_COMMITTEE},
    "other_coordinator": {A.VIEW_COMMITTEE},
    "committee_member": {A.VIEW_COMMITTEE, A.VIEW_COMMITTEE_INBOX},
    "committee_chair": {A.VIEW_COMMITTEE, A.VIEW_COMMITTEE_INBOX, A.DECIDE_FOR_COMMITTEE},
    "admin": EVERYTHING,
}

# With no object: the association-wide actions. Any coordinator may invite (into their own
# network, which the Network-object check above narrows).
GLOBAL_POLICY: dict[str, set[Action] | frozenset[Action]] = {
    "anonymous": set(),
    "signed_in": set(),
    "member": set(),
    "coordinator": {A.INVITE},
    "other_coordinator": {A.INVITE},
    "committee_member": set(),
    "committee_chair": set(),
    "admin": EVERYTHING,
}

# The network and committee share an id on purpose: a check that looked up the wrong one of
# the principal's two role maps would show up as a wrong answer.
NETWORK_ID = COMMITTEE_ID = 7
OTHER_NETWORK_ID = 8


def principal(role: str) -> Principal:
    return {
        "anonymous": ANONYMOUS,
        "signed_in": Principal(user_id=1),
        "member": Principal(user_id=2, networks={NETWORK_ID: "member"}),
        "coordinator": Principal(user_id=3, networks={NETWORK_ID: "coordinator"}),
        "other_coordinator": Principal(user_id=4, networks={OTHER_NETWORK_ID: "coordinator"}),
        "committee_member": Principal(user_id=5, committees={COMMITTEE_ID: "member"}),
        "committee_chair": Principal(user_id=6, committees={COMMITTEE_ID: "chair"}),
        "admin": Principal(user_id=9, is_admin=True),
    }[role]


def network(visibility: str) -> Network:
    return Network(id=NETWORK_ID, slug="n", name="N", visibility=visibility, committee_id=7)


def committee() -> Committee:
    return Committee(id=COMMITTEE_ID, slug="c", name="C")


def test_every_role_is_in_every_table() -> None:
    tables = [*NETWORK_POLICY.values(), COMMITTEE_POLICY, GLOBAL_POLICY]
    assert all(list(table) == ROLES for table in tables)
    assert set(NETWORK_POLICY) == set(Visibility)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", list(Visibility))
def test_can_on_a_network(role: str, visibility: str) -> None:
    allowed = {a for a in Action if can(principal(role), a, network(visibility))}
    assert allowed == set(NETWORK_POLICY[visibility][role])


@pytest.mark.parametrize("role", ROLES)
def test_can_on_a_committee(role: str) -> None:
    allowed = {a for a in Action if can(principal(role), a, committee())}
    assert allowed == set(COMMITTEE_POLICY[role])


@pytest.mark.parametrize("role", ROLES)
def test_can_with_no_object(role: str) -> None:
    allowed = {a for a in Action if can(principal(role), a, None)}
    assert allowed == set(GLOBAL_POLICY[role])


def test_a_network_without_an_id_grants_no_role() -> None:
    # An unsaved network must not match a principal's roles by accident.
    unsaved = Network(slug="n", name="N", visibility=Visibility.MEMBERS)
    assert not can(principal("coordinator"), A.VIEW_NETWORK, unsaved)
    assert can(principal("admin"), A.VIEW_NETWORK, unsaved)


# --- Part two: the same policy through the app's routes --------------------------------------

# Seeded networks of each visibility. The committee roles sit in the committee the first two
# report to: chairing a network's committee gives no say over the network itself.
NETWORKS = {
    "members": "romska-pitanja",
    "association": "socijalna-zastita",
    "public": "eko-poverenici",
}
COMMITTEE = "zdravlje-socijalna"
OTHER_NETWORK = "javne-nabavke"  # where "other_coordinator" coordinates
PASSWORD_ROLES = [r for r in ROLES if r != "anonymous"]
EMAILS = {role: f"{role.replace('_', '.')}@example.org" for role in PASSWORD_ROLES}


@pytest.fixture
async def users(seeded: Runtime) -> dict[str, int]:
    """One user per role, and a `target` to add to networks and committees."""
    ours = dict.fromkeys(NETWORKS.values(), "member")
    memberships: dict[str, dict[str, Any]] = {
        "member": {"networks": ours},
        "coordinator": {"networks": dict.fromkeys(ours, "coordinator")},
        "other_coordinator": {"networks": {OTHER_NETWORK: "coordinator"}},
        "committee_member": {"committees": {COMMITTEE: "member"}},
        "committee_chair": {"committees": {COMMITTEE: "chair"}},
        "admin": {"admin": True},
    }
    ids = {}
    for role in PASSWORD_ROLES:
        ids[role] = await make_user(seeded, EMAILS[role], **memberships.get(role, {}))
    ids["target"] = await make_user(seeded, "target@example.org")
    return ids


@pytest.fixture
async def clients(app: Any, users: dict[str, int]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """A browser per role, signed in with a session cookie; API writes send its CSRF token,
    as the page's own script does."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    out: dict[str, httpx.AsyncClient] = {}
    try:
        for role in ROLES:
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            out[role] = client
            if role != "anonymous":
                await sign_in(client, EMAILS[role])
                client.headers["X-CSRF-Token"] = await csrf_of(client, "/profile")
        yield out
    finally:
        for client in out.values():
            await client.aclose()


M, AS, P = NETWORKS["members"], NETWORKS["association"], NETWORKS["public"]
NOBODY_ELSE = dict.fromkeys(PASSWORD_ROLES, 403)
# Who reads a members-only network: anyone else gets 404, so its existence does not leak.
MEMBERS_READ = {"anonymous": 404, "signed_in": 404, "member": 200, "coordinator": 200,
                "other_coordinator": 404, "committee_member": 404, "committee_chair": 404,
                "admin": 200}  # fmt: skip
# Who manages a network's members: its coordinators and admins. On a network the caller
# cannot read, the refusal is that network's 404.
MANAGE = {"anonymous": 401, **NOBODY_ELSE, "coordinator": 200, "admin": 200}
MANAGE_HIDDEN = {
    **MANAGE,
    **{r: 404 for r, s in MEMBERS_READ.items() if s == 404 and r != "anonymous"},
}

# request -> the status each role gets; `{target}` is a user with no roles.
ROUTE_MATRIX: dict[str, dict[str, int]] = {
    f"GET /networks/{M}": MEMBERS_READ,
    f"GET /networks/{AS}": {"anonymous": 404, **dict.fromkeys(PASSWORD_ROLES, 200)},
    f"GET /networks/{P}": dict.fromkeys(ROLES, 200),
    f"GET /committees/{COMMITTEE}": {"anonymous": 303, **dict.fromkeys(PASSWORD_ROLES, 200)},
    f"GET /api/v1/networks/{M}": {**MEMBERS_READ, "anonymous": 401},
    f"GET /api/v1/networks/{AS}": {"anonymous": 401, **dict.fromkeys(PASSWORD_ROLES, 200)},
    f"GET /api/v1/networks/{P}": {"anonymous": 401, **dict.fromkeys(PASSWORD_ROLES, 200)},
    f"PUT /api/v1/networks/{M}/members/{{target}}": MANAGE_HIDDEN,
    # Proposals: readers list them; the coordinator's review queue is the coordinator's.
    f"GET /api/v1/networks/{M}/proposals": {**MEMBERS_READ, "anonymous": 401},
    f"GET /api/v1/networks/{AS}/proposals": {
        "anonymous": 401,
        **dict.fromkeys(PASSWORD_ROLES, 200),
    },
    f"GET /api/v1/networks/{M}/review-queue": MANAGE_HIDDEN,
    f"GET /api/v1/networks/{AS}/review-queue": MANAGE,
    f"PUT /api/v1/networks/{AS}/members/{{target}}": MANAGE,
    f"PUT /api/v1/networks/{P}/members/{{target}}": MANAGE,
    f"PUT /api/v1/committees/{COMMITTEE}/members/{{target}}": {
        "anonymous": 401,
        **NOBODY_ELSE,
        "admin": 200,
    },
    "POST /api/v1/users": {"anonymous": 401, **NOBODY_ELSE, "admin": 201},
    # What does not exist is 404 to those who could act on it if it did.
    "PUT /api/v1/networks/no-such-network/members/{target}": {
        "anonymous": 401,
        **dict.fromkeys(PASSWORD_ROLES, 404),
    },
    f"PUT /api/v1/networks/{AS}/members/999999": {**MANAGE, "coordinator": 404, "admin": 404},
}
BODIES = {
    "PUT": lambda role: {"role": "member"},
    "POST": lambda role: {"email": f"new.{role}@example.org", "name": "New Person"},
}


async def test_route_matrix(
    clients: dict[str, httpx.AsyncClient], users: dict[str, int], app: Any
) -> None:
    """Every request in ROUTE_MATRIX as every role; all differences are reported at once."""
    for role, client in clients.items():
        me = await client.get("/api/v1/me")
        if role == "anonymous":
            assert me.status_code == 401
            continue
        assert me.json()["user"]["email"] == EMAILS[role]  # each client is who it claims
        # The directory never lists a network the caller may not read.
        listed = {n["slug"] for n in (await client.get("/api/v1/networks")).json()["items"]}
        assert (M in listed) == (MEMBERS_READ[role] == 200), role
    wrong = []
    for request, expected in ROUTE_MATRIX.items():
        method, path = request.split(" ")
        for role, client in clients.items():
            response = await client.request(
                method,
                path.format(target=users["target"]),
                json=BODIES[method](role) if method in BODIES else None,
            )
            if response.status_code != expected[role]:
                wrong.append((request, role, expected[role], response.status_code))
            elif path.startswith("/api/") and response.status_code >= 400:
                assert response.json()["error"]["code"], (request, role)
    assert wrong == [], "(request, role, expected, got)"
    # A refused request changed nothing: only the admin's new user exists.
    runtime: Runtime = app.state.runtime
    async with runtime.sessionmaker() as db:
        rows = await db.exec(select(User.email).where(col(User.email).startswith("new.")))
        assert rows.all() == ["new.admin@example.org"]


def test_membership_by_id_is_one_rule() -> None:
    """Principal.member_of / coordinates / coordinated: the membership checks actions make by
    network id (votes, initiatives, invitations), and the ones `can` makes for a network."""
    who = Principal(user_id=1, networks={3: "member", 4: "coordinator"})
    assert who.member_of(3) and who.member_of(4)
    assert not who.member_of(5) and not who.member_of(None)
    assert who.coordinates(4) and not who.coordinates(3) and not who.coordinates(None)
    assert who.coordinated == [4]
    admin = Principal(user_id=2, is_admin=True)
    assert not admin.member_of(3) and admin.coordinated == []  # rights, not memberships
