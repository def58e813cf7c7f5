"""Initiatives, read: who sees one, its public shape and documents.

Who sees an initiative: the members of the committee it is addressed to (and admins) see every
one; members of the networks its proposals came from see it too; to anyone else it does not
exist (404). Making one, and everything that changes it, is in hub.actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, NotFound
from hub.models import Committee, Network, Proposal
from hub.models.initiatives import (
    Initiative,
    InitiativeDocument,
    InitiativeProposal,
    InitiativeRevision,
    InitiativeStatus,
    RevisionStatus,
)
from hub.permissions import Action

NO_INITIATIVE = N_("No such initiative.")


_IN_STATE = {
    InitiativeStatus.COMPILING: N_("The initiative is still being compiled."),
    InitiativeStatus.FAILED: N_("The initiative's compilation failed."),
    InitiativeStatus.DELIVERED: N_("The initiative has been delivered to the committee."),
    InitiativeStatus.IN_REVIEW: N_("The committee is reviewing the initiative."),
    InitiativeStatus.ADOPTED: N_("The initiative has been adopted."),
    InitiativeStatus.RETURNED: N_("The initiative has been returned."),
    InitiativeStatus.REJECTED: N_("The initiative has been rejected."),
    InitiativeStatus.SUPERSEDED: N_("The initiative was taken into a joint initiative."),
}


def initiative_conflict(status: str) -> Conflict:
    """409 naming the state the initiative is in now."""
    return Conflict(_IN_STATE[InitiativeStatus(status)], status=status)


@dataclass
class InitiativeAccess:
    """An initiative the actor may see, its committee, its proposals (in order) and its
    current revision."""

    initiative: Initiative
    committee: Committee
    proposals: list[tuple[Proposal, Network]]
    revision: InitiativeRevision | None

    @property
    def network_ids(self) -> set[int]:
        return {n.id for _p, n in self.proposals if n.id is not None}


def may_see(ctx: Context, committee: Committee, network_ids: set[int]) -> bool:
    if ctx.may(Action.VIEW_COMMITTEE_INBOX, committee):
        return True
    return any(ctx.principal.member_of(n) for n in network_ids)


def may_manage(ctx: Context, committee: Committee, network_ids: set[int]) -> bool:
    """Make one from these proposals, or try its compilation again: the committee's chair, a
    coordinator of one of the networks, an admin."""
    if ctx.may(Action.DECIDE_FOR_COMMITTEE, committee):
        return True
    return any(ctx.principal.coordinates(n) for n in network_ids)


async def load_initiative(ctx: Context, initiative_id: int) -> InitiativeAccess | None:
    """The initiative with its parts, whoever asks (the worker, or `access_initiative`)."""
    found = (
        await ctx.db.exec(
            select(Initiative, Committee)
            .join(Committee, col(Committee.id) == Initiative.committee_id)
            .where(Initiative.id == initiative_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        return None
    initiative, committee = found
    rows = await ctx.db.exec(
        select(Proposal, Network)
        .join(InitiativeProposal, col(InitiativeProposal.proposal_id) == Proposal.id)
        .join(Network, col(Network.id) == Proposal.network_id)
        .where(InitiativeProposal.initiative_id == initiative_id)
        .order_by(col(InitiativeProposal.position), col(InitiativeProposal.id))
    )
    revision = (
        await ctx.db.exec(
            select(InitiativeRevision)
            .where(
                InitiativeRevision.initiative_id == initiative_id,
                InitiativeRevision.revision == initiative.current_revision,
            )
            .execution_options(populate_existing=True)
        )
    ).first()
    return InitiativeAccess(initiative, committee, list(rows.all()), revision)


async def access_initiative(ctx: Context, initiative_id: int) -> InitiativeAccess:
    """The initiative if the actor may see it; NotFound otherwise."""
    access = await load_initiative(ctx, initiative_id)
    if access is None or not may_see(ctx, access.committee, access.network_ids):
        raise NotFound(NO_INITIATIVE)
    return access


async def document_formats(ctx: Context, revision: InitiativeRevision | None) -> list[str]:
    if revision is None or revision.id is None:
        return []
    rows = await ctx.db.exec(
        select(InitiativeDocument.format).where(InitiativeDocument.revision_id == revision.id)
    )
    return sorted(rows.all())


async def document_content(ctx: Context, access: InitiativeAccess, fmt: str) -> bytes:
    """The current revision's document in `fmt`; 409 while compiling (with the progress) or
    after a failure, 404 for a format it does not have."""
    revision = access.revision
    if revision is None or revision.status != RevisionStatus.READY:
        if revision is not None and revision.status == RevisionStatus.COMPILING:
            raise Conflict(
                N_("The document is still being compiled (%(progress)d %%)."),
                progress=revision.progress,
            )
        raise initiative_conflict(access.initiative.status)
    found = await ctx.db.exec(
        select(InitiativeDocument.content).where(
            InitiativeDocument.revision_id == revision.id, InitiativeDocument.format == fmt
        )
    )
    content = found.first()
    if content is None:
        raise NotFound(N_("No such document."))
    return bytes(content)


def revision_public(revision: InitiativeRevision | None) -> dict[str, Any] | None:
    if revision is None:
        return None
    return {
        "revision": revision.revision,
        "status": revision.status,
        "progress": revision.progress,
        "step": revision.step,
        "language": revision.language,
        "attempts": revision.attempts,
        "error": revision.error or None,
        "created_at": revision.created_at.isoformat(),
        "finished_at": revision.finished_at.isoformat() if revision.finished_at else None,
    }


def initiative_public(access: InitiativeAccess, formats: list[str] | None = None) -> dict[str, Any]:
    i = access.initiative
    base = f"/api/v1/initiatives/{i.id}/document"
    ready = access.revision is not None and access.revision.status == RevisionStatus.READY
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "status": i.status,
        "language": i.language,
        "committee": {"slug": access.committee.slug, "name": access.committee.name},
        "proposals": [
            {"id": p.id, "title": p.title, "network": n.slug, "status": p.status}
            for p, n in access.proposals
        ],
        "revision": revision_public(access.revision),
        "documents": {
            f: f"{base}.{f}" if ready and (formats is None or f in formats) else None
            for f in ("html", "pdf", "docx")
        },
        "created_at": i.created_at.isoformat(),
        "status_changed_at": i.status_changed_at.isoformat(),
        "delivered_at": i.delivered_at.isoformat() if i.delivered_at else None,
        "superseded_by_id": i.superseded_by_id,
    }


async def live_initiatives(ctx: Context, proposal_ids: list[int]) -> dict[int, Initiative]:
    """proposal id -> the live initiative it is in."""
    rows = await ctx.db.exec(
        select(InitiativeProposal.proposal_id, Initiative)
        .join(Initiative, col(Initiative.id) == InitiativeProposal.initiative_id)
        .where(col(InitiativeProposal.live_proposal_id).in_(proposal_ids))
        .execution_options(populate_existing=True)
    )
    return dict(rows.all())


async def live_initiative_id(ctx: Context, proposal_id: int) -> int | None:
    """The proposal's live initiative (for the proposal's JSON), or None."""
    found = await ctx.db.exec(
        select(InitiativeProposal.initiative_id).where(
            InitiativeProposal.live_proposal_id == proposal_id
        )
    )
    return found.first()
