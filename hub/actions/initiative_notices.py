"""Who hears of an initiative: its committee when it is delivered; the members of its proposals'
networks on a decision or a follow-up; their coordinators when its compilation failed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select

from hub import channels
from hub.actions.context import Context
from hub.actions.notifications import Kind, notify_people
from hub.models import Committee, CommitteeMembership, Initiative, Network, NetworkRole
from hub.reads.notifications import members_of


async def _tell(
    ctx: Context,
    initiative: Initiative,
    kind: Kind,
    users: Iterable[int],
    source: int,
    network: Network | None = None,
) -> None:
    await notify_people(
        ctx,
        kind,
        users,
        source_id=source,
        target=channels.initiative(initiative.id),
        url=f"/initiatives/{initiative.id}",
        title=initiative.title,
        network=network,
    )


async def notify_delivered(
    ctx: Context, initiative: Initiative, committee: Committee, revision_id: int
) -> None:
    """A compiled revision reached the committee: its members and chair hear."""
    query = select(CommitteeMembership.user_id).where(
        CommitteeMembership.committee_id == committee.id
    )
    members = [int(u) for u in (await ctx.db.exec(query)).all()]
    await _tell(ctx, initiative, Kind.INITIATIVE_DELIVERED, members, revision_id)


async def notify_networks(
    ctx: Context, initiative: Initiative, networks: Iterable[Network], kind: Kind, source: int
) -> None:
    """A decision (`source`: its id) or a follow-up: the networks' members hear once."""
    for network in {n.id: n for n in networks}.values():
        await _tell(ctx, initiative, kind, await members_of(ctx, network), source, network)


async def notify_compile_failed(
    ctx: Context, initiative: Initiative, networks: Iterable[Network], revision_id: int
) -> None:
    for network in {n.id: n for n in networks}.values():
        coordinators = await members_of(ctx, network, NetworkRole.COORDINATOR)
        await _tell(ctx, initiative, Kind.COMPILE_FAILED, coordinators, revision_id, network)
