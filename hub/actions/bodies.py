"""Networks, committees and who sits in them: set and change (reading: hub.reads.bodies)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import delete, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from hub import channels
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid, NotFound
from hub.actions.validate import check_choice, check_line, check_name, check_text
from hub.events import Event
from hub.models import (
    Committee,
    CommitteeMembership,
    Municipality,
    Network,
    NetworkMembership,
    User,
)
from hub.models.bodies import CommitteeRole, NetworkRole, Visibility
from hub.permissions import Action
from hub.reads.accounts import access_user
from hub.reads.bodies import access_committee, access_network
from hub.upsert import insert_ignore

_M = TypeVar("_M", NetworkMembership, CommitteeMembership)


async def do_set_network_member(
    ctx: Context, slug: str, user_id: int, *, role: str | None
) -> NetworkMembership:
    """Add a user to a network or change their role (admins and the network's coordinators)."""
    network = await access_network(ctx, slug, Action.MANAGE_NETWORK_MEMBERS)
    role = check_choice(role, tuple(NetworkRole), "role")
    user = await access_user(ctx, user_id)
    assert network.id is not None and user.id is not None
    key = {"network_id": network.id, "user_id": user.id}
    membership = await _membership(ctx, NetworkMembership, key)
    if membership is None:
        # Inserted by the database only if still absent: of two identical requests at once,
        # one adds the member and the other then finds the membership as asked.
        added = await insert_ignore(ctx.db, NetworkMembership, {**key, "role": role}, list(key))
        membership = await _membership(ctx, NetworkMembership, key)
        assert membership is not None
        if added is not None:
            ctx.audit("network.member_set", network, user_id=user.id, role=role)
            ctx.emit(notify_membership(channels.network(network.slug), user, role))
            return membership
    if membership.role == role:
        return membership
    elif membership.role == NetworkRole.COORDINATOR:
        assert user.id is not None
        await ensure_not_last_coordinator(ctx, network, user.id)
    await _change_role(ctx, membership, role, N_("This person is not a member of the network."))
    ctx.audit("network.member_set", network, user_id=user.id, role=role)
    ctx.emit(notify_membership(channels.network(network.slug), user, role))
    return membership


async def do_remove_network_member(ctx: Context, slug: str, user_id: int) -> None:
    network = await access_network(ctx, slug, Action.MANAGE_NETWORK_MEMBERS)
    user = await access_user(ctx, user_id)
    role = await ctx.db.exec(
        select(NetworkMembership.role).where(
            NetworkMembership.network_id == network.id, NetworkMembership.user_id == user_id
        )
    )
    if role.first() == NetworkRole.COORDINATOR:
        await ensure_not_last_coordinator(ctx, network, user_id)
    result = await ctx.db.exec(
        delete(NetworkMembership).where(
            col(NetworkMembership.network_id) == network.id,
            col(NetworkMembership.user_id) == user.id,
        )
    )
    if not result.rowcount:
        raise NotFound(N_("This person is not a member of the network."))
    ctx.audit("network.member_removed", network, user_id=user.id)
    ctx.emit(notify_membership(channels.network(network.slug), user, None))


async def do_set_committee_member(
    ctx: Context, slug: str, user_id: int, *, role: str | None
) -> CommitteeMembership:
    committee = await access_committee(ctx, slug, Action.MANAGE_COMMITTEE_MEMBERS)
    role = check_choice(role, tuple(CommitteeRole), "role")
    user = await access_user(ctx, user_id)
    assert committee.id is not None and user.id is not None
    key = {"committee_id": committee.id, "user_id": user.id}
    membership = await _membership(ctx, CommitteeMembership, key)
    if membership is None:  # as for networks: the database settles two requests at once
        added = await insert_ignore(ctx.db, CommitteeMembership, {**key, "role": role}, list(key))
        membership = await _membership(ctx, CommitteeMembership, key)
        assert membership is not None
        if added is not None:
            ctx.audit("committee.member_set", committee, user_id=user.id, role=role)
            ctx.emit(notify_membership(channels.committee(committee.slug), user, role))
            return membership
    if membership.role == role:
        return membership
    await _change_role(ctx, membership, role, N_("This person is not a member of the committee."))
    ctx.audit("committee.member_set", committee, user_id=user.id, role=role)
    ctx.emit(notify_membership(channels.committee(committee.slug), user, role))
    return membership


async def do_remove_committee_member(ctx: Context, slug: str, user_id: int) -> None:
    committee = await access_committee(ctx, slug, Action.MANAGE_COMMITTEE_MEMBERS)
    user = await access_user(ctx, user_id)
    result = await ctx.db.exec(
        delete(CommitteeMembership).where(
            col(CommitteeMembership.committee_id) == committee.id,
            col(CommitteeMembership.user_id) == user.id,
        )
    )
    if not result.rowcount:
        raise NotFound(N_("This person is not a member of the committee."))
    ctx.audit("committee.member_removed", committee, user_id=user.id)
    ctx.emit(notify_membership(channels.committee(committee.slug), user, None))


async def _membership(ctx: Context, model: type[_M], key: dict[str, int]) -> _M | None:
    """The membership with `key` (body and user), read afresh from the database."""
    query = select(model).filter_by(**key).execution_options(populate_existing=True)
    return (await ctx.db.exec(query)).first()


async def _change_role(
    ctx: Context, membership: NetworkMembership | CommitteeMembership, role: str, gone: str
) -> None:
    """Set the role with a conditional UPDATE: a membership removed by a request a moment
    earlier is NotFound, not an error of the database session."""
    model = type(membership)
    changed = await ctx.db.exec(
        update(model)
        .where(col(model.id) == membership.id)
        .values(role=role)
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:
        raise NotFound(gone)
    set_committed_value(membership, "role", role)  # as the database has it: nothing to flush


def notify_membership(channel: str, user: User, role: str | None) -> Event:
    assert user.id is not None
    return Event(
        channel=channel,
        type="membership.changed",
        data={"user_id": user.id, "role": role},
        audience=(user.id,),
    )


async def do_update_network(
    ctx: Context,
    slug: str,
    *,
    name: str | None,
    name_en: str | None,
    description: str | None,
    committee: str | None,
    visibility: str | None,
) -> Network:
    """Rename a network, change the committee it reports to and who may read it (admins)."""
    network = await access_network(ctx, slug, Action.EDIT_NETWORK)
    before = {"name": network.name, "committee_id": network.committee_id, "vis": network.visibility}
    network.name = check_name(name, max_length=200)
    network.name_en = check_line(name_en, "name_en", 200, required=None)
    network.description = check_text(description, "description")
    network.visibility = check_choice(visibility, tuple(Visibility), "visibility")
    if committee:
        found = await ctx.db.exec(select(Committee.id).where(Committee.slug == committee))
        committee_id = found.first()
        if committee_id is None:
            raise Invalid(N_("Unknown committee."), field="committee")
        network.committee_id = committee_id
    else:
        network.committee_id = None
    # An admin saved the form showing this committee: the mapping is now checked by a person.
    network.committee_confirmed = True
    network.confirmed = True
    ctx.db.add(network)
    ctx.audit("network.updated", network, before=before, visibility=network.visibility)
    ctx.emit(notify_network_updated(network, slug))
    return network


def notify_network_updated(network: Network, slug: str) -> Event:
    return Event(
        channel=channels.network(network.slug), type="network.updated", data={"slug": slug}
    )


async def do_update_committee(
    ctx: Context, slug: str, *, name: str | None, name_en: str | None, description: str | None
) -> Committee:
    committee = await access_committee(ctx, slug, Action.EDIT_COMMITTEE)
    before = committee.name
    committee.name = check_name(name, max_length=200)
    committee.name_en = check_line(name_en, "name_en", 200, required=None)
    committee.description = check_text(description, "description")
    committee.confirmed = True
    ctx.db.add(committee)
    ctx.audit("committee.updated", committee, before=before)
    ctx.emit(notify_committee_updated(committee, slug))
    return committee


def notify_committee_updated(committee: Committee, slug: str) -> Event:
    return Event(
        channel=channels.committee(committee.slug), type="committee.updated", data={"slug": slug}
    )


async def do_update_municipality(
    ctx: Context, slug: str, *, name: str | None, is_member: bool, confirmed: bool
) -> Municipality:
    ctx.require(Action.MANAGE_MUNICIPALITIES)
    found = await ctx.db.exec(select(Municipality).where(Municipality.slug == slug))
    municipality = found.first()
    if municipality is None:
        raise NotFound(N_("No such local government."))
    municipality.name = check_name(name)
    municipality.is_member = is_member
    municipality.confirmed = confirmed
    ctx.db.add(municipality)
    ctx.audit("municipality.updated", municipality, is_member=is_member, confirmed=confirmed)
    return municipality


async def ensure_not_last_coordinator(ctx: Context, network: Network, user_id: int) -> None:
    rows = await ctx.db.exec(
        select(func.count())
        .select_from(NetworkMembership)
        .where(
            NetworkMembership.network_id == network.id,
            NetworkMembership.role == NetworkRole.COORDINATOR,
            NetworkMembership.user_id != user_id,
        )
    )
    if int(rows.one()) == 0 and not ctx.principal.is_admin:
        raise Conflict(N_("A network needs at least one coordinator."))
