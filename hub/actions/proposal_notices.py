"""Who hears of a proposal: its network when it is first submitted, its authors when it is
reviewed, an invited member when asked to co-author (hub.actions.notifications)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hub import channels
from hub.actions.context import Context
from hub.actions.notifications import Kind, notify_people
from hub.models.proposals import ProposalTransition
from hub.reads.notifications import members_of

if TYPE_CHECKING:
    from hub.reads.proposals import ProposalAccess


async def _tell(
    ctx: Context, access: ProposalAccess, kind: Kind, users: Iterable[int | None], source: int
) -> None:
    proposal = access.proposal
    await notify_people(
        ctx,
        kind,
        users,
        source_id=source,
        target=channels.proposal(proposal.id),
        url=f"/proposals/{proposal.id}",
        title=proposal.title,
        network=access.network,
    )


def authors_of(access: ProposalAccess) -> set[int]:
    return {a.user_id for a, _u in access.authors if a.accepted_at is not None}


async def notify_submitted(ctx: Context, access: ProposalAccess) -> None:
    """A new proposal in the network: its members hear once, its authors not at all."""
    members = set(await members_of(ctx, access.network)) - authors_of(access)
    await _tell(ctx, access, Kind.PROPOSAL_SUBMITTED, members, access.proposal.id or 0)


async def notify_reviewed(ctx: Context, access: ProposalAccess, row: ProposalTransition) -> None:
    """Approved, changes requested, rejected or merged: its accepted authors hear."""
    await _tell(ctx, access, Kind.PROPOSAL_REVIEWED, authors_of(access), row.id or 0)


async def notify_invited(ctx: Context, access: ProposalAccess, user_ids: Iterable[int]) -> None:
    await _tell(ctx, access, Kind.COAUTHOR_INVITED, user_ids, access.proposal.id or 0)
