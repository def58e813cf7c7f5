"""Networks, committees and who sits in them, read: the access checks (access_network,
access_committee), the directories and member lists, and the API's shapes of networks,
committees and municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, NotFound
from hub.models import (
    Committee,
    CommitteeMembership,
    Municipality,
    Network,
    NetworkMembership,
    User,
)
from hub.permissions import Action


@dataclass(frozen=True)
class Member:
    user: User
    role: str
    municipality: Municipality | None


async def access_network(ctx: Context, slug: str, action: Action = Action.VIEW_NETWORK) -> Network:
    """The network, if the actor may do `action` on it.

    A network the actor may not even read is NotFound, so its existence is not revealed.
    """
    found = await ctx.db.exec(select(Network).where(Network.slug == slug))
    network = found.first()
    if network is None or not ctx.may(Action.VIEW_NETWORK, network):
        raise NotFound(N_("No such network."))
    if action is not Action.VIEW_NETWORK:
        ctx.require(action, network)
    return network


async def access_committee(
    ctx: Context, slug: str, action: Action = Action.VIEW_COMMITTEE
) -> Committee:
    found = await ctx.db.exec(select(Committee).where(Committee.slug == slug))
    committee = found.first()
    if committee is None:
        raise NotFound(N_("No such committee."))
    ctx.require(action, committee)
    return committee


async def list_networks(ctx: Context) -> list[Network]:
    """Every network the actor may read, by name."""
    rows = await ctx.db.exec(select(Network).order_by(Network.name))
    return [n for n in rows.all() if ctx.may(Action.VIEW_NETWORK, n)]


async def network_directory(ctx: Context) -> list[Network]:
    """The association's networks as its members see them listed, by name.

    Signed-in people see every network, members-only ones too (their name, description and
    committee, never their board: access_network still guards that); visitors not signed in see
    the ones they may read.
    """
    rows = await ctx.db.exec(select(Network).order_by(Network.name))
    networks = list(rows.all())
    if ctx.principal.signed_in:
        return networks
    return [n for n in networks if ctx.may(Action.VIEW_NETWORK, n)]


async def list_committees(ctx: Context) -> list[Committee]:
    ctx.require_user()
    rows = await ctx.db.exec(select(Committee).order_by(Committee.name))
    return list(rows.all())


async def member_counts(ctx: Context) -> dict[int, int]:
    rows = await ctx.db.exec(
        select(NetworkMembership.network_id, func.count()).group_by(
            col(NetworkMembership.network_id)
        )
    )
    return {network_id: int(count) for network_id, count in rows.all()}


async def network_members(ctx: Context, network: Network) -> list[Member]:
    rows = await ctx.db.exec(
        select(User, NetworkMembership.role, Municipality)
        .join(NetworkMembership, col(NetworkMembership.user_id) == User.id)
        .join(Municipality, col(Municipality.id) == User.municipality_id, isouter=True)
        .where(NetworkMembership.network_id == network.id, col(User.is_active).is_(True))
        .order_by(col(NetworkMembership.role).desc(), User.name)
    )
    return [Member(user, role, municipality) for user, role, municipality in rows.all()]


async def committee_members(ctx: Context, committee: Committee) -> list[Member]:
    rows = await ctx.db.exec(
        select(User, CommitteeMembership.role, Municipality)
        .join(CommitteeMembership, col(CommitteeMembership.user_id) == User.id)
        .join(Municipality, col(Municipality.id) == User.municipality_id, isouter=True)
        .where(CommitteeMembership.committee_id == committee.id, col(User.is_active).is_(True))
        .order_by(CommitteeMembership.role, User.name)
    )
    return [Member(user, role, municipality) for user, role, municipality in rows.all()]


async def networks_of_committee(ctx: Context, committee: Committee) -> list[Network]:
    rows = await ctx.db.exec(
        select(Network).where(Network.committee_id == committee.id).order_by(Network.name)
    )
    return [n for n in rows.all() if ctx.may(Action.VIEW_NETWORK, n)]


async def list_municipalities(ctx: Context, kind: str | None = None) -> list[Municipality]:
    query = select(Municipality).order_by(Municipality.name)
    if kind:
        query = query.where(Municipality.kind == kind)
    rows = await ctx.db.exec(query)
    return list(rows.all())


# Built once (GET /api/v1/me runs them on every call).
_MY_NETWORKS = (
    select(Network)
    .where(col(Network.id).in_(bindparam("ids", expanding=True)))
    .order_by(Network.name)
)


_MY_COMMITTEES = (
    select(Committee)
    .where(col(Committee.id).in_(bindparam("ids", expanding=True)))
    .order_by(Committee.name)
)


async def my_bodies(ctx: Context) -> tuple[list[tuple[Network, str]], list[tuple[Committee, str]]]:
    """The actor's networks and committees, each with the actor's role."""
    networks: list[tuple[Network, str]] = []
    committees: list[tuple[Committee, str]] = []
    if ctx.principal.networks:
        ids = {"ids": list(ctx.principal.networks)}
        rows = await ctx.db.exec(_MY_NETWORKS, params=ids)
        networks = [(n, ctx.principal.networks[n.id or 0]) for n in rows.all()]
    if ctx.principal.committees:
        ids = {"ids": list(ctx.principal.committees)}
        rows2 = await ctx.db.exec(_MY_COMMITTEES, params=ids)
        committees = [(c, ctx.principal.committees[c.id or 0]) for c in rows2.all()]
    return networks, committees


async def committee_by_id(ctx: Context, committee_id: int) -> Committee | None:
    return await ctx.db.get(Committee, committee_id)


def network_public(network: Network, committee: Committee | None) -> dict[str, Any]:
    return {
        "slug": network.slug,
        "name": network.name,
        "name_en": network.name_en,
        "description": network.description,
        "visibility": network.visibility,
        "committee": committee.slug if committee else None,
        "confirmed": network.confirmed,
    }


def committee_public(committee: Committee) -> dict[str, Any]:
    return {
        "slug": committee.slug,
        "name": committee.name,
        "name_en": committee.name_en,
        "description": committee.description,
        "confirmed": committee.confirmed,
    }


def municipality_public(
    municipality: Municipality, parents: dict[int, str] | None = None
) -> dict[str, Any]:
    parent = (parents or {}).get(municipality.parent_id or 0)
    return {
        "slug": municipality.slug,
        "name": municipality.name,
        "kind": municipality.kind,
        "region": municipality.region,
        "district": municipality.district,
        "parent": parent,
        "is_member": municipality.is_member,
        "confirmed": municipality.confirmed,
    }
