"""Read-only queries behind the administration pages; each checks the permission it serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.actions.validate import check_email
from hub.db import utcnow
from hub.i18n.script import to_cyrillic, to_latin
from hub.models import (
    Committee,
    CommitteeMembership,
    Invitation,
    Municipality,
    Network,
    NetworkMembership,
    User,
)
from hub.permissions import Action
from hub.reads import cursors
from hub.reads.accounts import access_user
from hub.reads.bodies import member_counts
from hub.reads.invitations import list_invitations

T = TypeVar("T")

USERS_PER_PAGE = 50
# The filter value for people who work for the association itself (no local government).
ASSOCIATION = "_association"


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None  # the cursor of the following page, None on the last one


def access_admin(ctx: Context) -> None:
    """The administration overview: admins only."""
    ctx.require(Action.MANAGE_USERS)


# --- users ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    user: User
    municipality: Municipality | None


async def list_users(
    ctx: Context,
    *,
    search: str = "",
    municipality: str = "",
    cursor: str | None = None,
    limit: int = USERS_PER_PAGE,
) -> Page[UserRow]:
    """Users by name, matching `search` in the name (either script) or the e-mail address."""
    ctx.require(Action.MANAGE_USERS)
    query = select(User, Municipality).join(
        Municipality, col(Municipality.id) == col(User.municipality_id), isouter=True
    )
    text = " ".join(search.split())[:100]
    if text:
        names = {text, to_latin(text), to_cyrillic(text)}
        query = query.where(
            or_(
                col(User.email).icontains(text, autoescape=True),
                *(col(User.name).icontains(name, autoescape=True) for name in names),
            )
        )
    if municipality == ASSOCIATION:
        query = query.where(col(User.municipality_id).is_(None))
    elif municipality:
        query = query.where(Municipality.slug == municipality)
    if cursor:
        name, user_id = cursors.decode(cursor, str, int)
        query = query.where(
            or_(col(User.name) > name, and_(col(User.name) == name, col(User.id) > user_id))
        )
    rows = await ctx.db.exec(query.order_by(col(User.name), col(User.id)).limit(limit + 1))
    items = [UserRow(user, found) for user, found in rows.all()]
    following = None
    if len(items) > limit:
        items = items[:limit]
        following = cursors.encode(items[-1].user.name, items[-1].user.id or 0)
    return Page(items, following)


async def access_managed_user(ctx: Context, user_id: int) -> User:
    """A user, for an admin to see and edit."""
    ctx.require(Action.MANAGE_USERS)
    return await access_user(ctx, user_id)


async def user_memberships(
    ctx: Context, user_id: int
) -> tuple[list[tuple[Network, str]], list[tuple[Committee, str]]]:
    ctx.require(Action.MANAGE_USERS)
    networks = await ctx.db.exec(
        select(Network, NetworkMembership.role)
        .join(NetworkMembership, col(NetworkMembership.network_id) == Network.id)
        .where(NetworkMembership.user_id == user_id)
        .order_by(Network.name)
    )
    committees = await ctx.db.exec(
        select(Committee, CommitteeMembership.role)
        .join(CommitteeMembership, col(CommitteeMembership.committee_id) == Committee.id)
        .where(CommitteeMembership.user_id == user_id)
        .order_by(Committee.name)
    )
    return [(n, str(r)) for n, r in networks.all()], [(c, str(r)) for c, r in committees.all()]


async def find_user_by_email(ctx: Context, email: str | None, field: str = "email") -> User:
    """The active user with this address, for adding them to a network or committee.

    Only those who may invite ask: they learn no more than an invitation would tell them.
    """
    ctx.require(Action.INVITE)
    address = check_email(email, field)
    found = await ctx.db.exec(select(User).where(User.email == address))
    user = found.first()
    if user is None:
        raise Invalid(
            N_("No one with this e-mail address has an account yet: invite them instead."),
            field=field,
        )
    if not user.is_active:
        raise Invalid(N_("This account is deactivated."), field=field)
    return user


# --- networks, committees, local governments ------------------------------------------------


@dataclass(frozen=True)
class NetworkRow:
    network: Network
    committee: Committee | None
    members: int


async def admin_networks(ctx: Context) -> list[NetworkRow]:
    ctx.require(Action.EDIT_NETWORK)
    networks = await ctx.db.exec(select(Network).order_by(Network.name))
    committees = {c.id: c for c in (await ctx.db.exec(select(Committee))).all()}
    counts = await member_counts(ctx)
    return [
        NetworkRow(n, committees.get(n.committee_id), counts.get(n.id or 0, 0))
        for n in networks.all()
    ]


async def all_committees(ctx: Context) -> list[Committee]:
    rows = await ctx.db.exec(select(Committee).order_by(Committee.name))
    return list(rows.all())


@dataclass(frozen=True)
class CommitteeRow:
    committee: Committee
    members: int
    networks: int


async def admin_committees(ctx: Context) -> list[CommitteeRow]:
    ctx.require(Action.EDIT_COMMITTEE)
    members = await ctx.db.exec(
        select(CommitteeMembership.committee_id, func.count()).group_by(
            col(CommitteeMembership.committee_id)
        )
    )
    networks = await ctx.db.exec(
        select(Network.committee_id, func.count()).group_by(col(Network.committee_id))
    )
    member_count = {cid: int(n) for cid, n in members.all()}
    network_count = {cid: int(n) for cid, n in networks.all()}
    return [
        CommitteeRow(c, member_count.get(c.id or 0, 0), network_count.get(c.id, 0))
        for c in await all_committees(ctx)
    ]


async def admin_municipalities(
    ctx: Context, *, kind: str = "", region: str = ""
) -> tuple[list[Municipality], list[str]]:
    """The local governments matching the filters, and every region (for the filter)."""
    ctx.require(Action.MANAGE_MUNICIPALITIES)
    query = select(Municipality).order_by(Municipality.name)
    if kind:
        query = query.where(Municipality.kind == kind)
    if region:
        query = query.where(Municipality.region == region)
    regions = await ctx.db.exec(
        select(Municipality.region).distinct().order_by(col(Municipality.region))
    )
    return list((await ctx.db.exec(query)).all()), [r for r in regions.all() if r]


async def municipality_choices(ctx: Context) -> list[Municipality]:
    """Every local government, for the select of a form."""
    ctx.require_user()
    rows = await ctx.db.exec(select(Municipality).order_by(Municipality.name))
    return list(rows.all())


# --- invitations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationRow:
    invitation: Invitation
    status: str  # open, accepted, expired or revoked
    network: Network | None
    inviter: str | None


def invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= utcnow():
        return "expired"
    return "open"


async def invitation_rows(ctx: Context) -> list[InvitationRow]:
    invitations = await list_invitations(ctx)  # checks Action.INVITE
    network_ids = {i.network_id for i in invitations if i.network_id}
    user_ids = {i.invited_by_id for i in invitations if i.invited_by_id}
    networks = await ctx.db.exec(select(Network).where(col(Network.id).in_(network_ids)))
    by_id = {n.id: n for n in networks.all()}
    users = await ctx.db.exec(select(User.id, User.name).where(col(User.id).in_(user_ids)))
    names = dict(users.all())
    return [
        InvitationRow(
            i,
            invitation_status(i),
            by_id.get(i.network_id),
            names.get(i.invited_by_id) if i.invited_by_id else None,
        )
        for i in invitations
    ]


async def invitable_networks(ctx: Context) -> list[Network]:
    """Networks the actor may invite into: all for admins, the ones they coordinate otherwise."""
    ctx.require(Action.INVITE)
    query = select(Network).order_by(Network.name)
    if not ctx.principal.is_admin:
        query = query.where(col(Network.id).in_(ctx.principal.coordinated))
    return list((await ctx.db.exec(query)).all())


# --- the overview ---------------------------------------------------------------------------


async def overview(ctx: Context) -> dict[str, int]:
    access_admin(ctx)

    async def count(query: SelectOfScalar[int]) -> int:
        return int((await ctx.db.exec(query)).one())

    now = utcnow()
    return {
        "users": await count(select(func.count()).select_from(User)),
        "active_users": await count(
            select(func.count()).select_from(User).where(col(User.is_active).is_(True))
        ),
        "admins": await count(
            select(func.count()).select_from(User).where(col(User.is_admin).is_(True))
        ),
        "networks": await count(select(func.count()).select_from(Network)),
        "networks_unchecked": await count(
            select(func.count())
            .select_from(Network)
            .where(
                or_(col(Network.confirmed).is_(False), col(Network.committee_confirmed).is_(False))
            )
        ),
        "committees": await count(select(func.count()).select_from(Committee)),
        "municipalities": await count(select(func.count()).select_from(Municipality)),
        "municipalities_unchecked": await count(
            select(func.count())
            .select_from(Municipality)
            .where(col(Municipality.confirmed).is_(False))
        ),
        "open_invitations": await count(
            select(func.count())
            .select_from(Invitation)
            .where(
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > now,
            )
        ),
    }
