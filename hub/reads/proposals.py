"""Proposals, read: the access checks (access_proposal, require_author) and the public shapes of
a proposal, its authors and its transitions.

A draft (a proposal never submitted) is seen only by its authors and the co-authors invited
to it: to anyone else it does not exist (404), in lists and on channels alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Forbidden, NotFound
from hub.models import Network, User
from hub.models.initiatives import InitiativeProposal
from hub.models.proposals import Proposal, ProposalAuthor, ProposalTransition
from hub.permissions import Action

NO_PROPOSAL = N_("No such proposal.")


PAGE = 30


MAX_PAGE = 100


@dataclass
class ProposalAccess:
    """A proposal the actor may read, its network and its authors (invited ones too)."""

    proposal: Proposal
    network: Network
    authors: list[tuple[ProposalAuthor, User]]
    initiative_id: int | None = None  # its live initiative, once compiled (contract.md)

    def author_row(self, user_id: int | None) -> ProposalAuthor | None:
        return next((a for a, _u in self.authors if a.user_id == user_id), None)

    def is_author(self, user_id: int | None) -> bool:
        """An accepted author: who created it, or a co-author who accepted."""
        row = self.author_row(user_id)
        return row is not None and row.accepted_at is not None


def _visible(ctx: Context, proposal: Proposal, network: Network, author_ids: set[int]) -> bool:
    if not ctx.may(Action.VIEW_NETWORK, network):
        return False
    return proposal.submitted_at is not None or (
        ctx.actor is not None and ctx.actor.id in author_ids
    )


async def load_authors(
    ctx: Context, proposal_ids: list[int]
) -> dict[int, list[tuple[ProposalAuthor, User]]]:
    rows = await ctx.db.exec(
        select(ProposalAuthor, User)
        .join(User, col(User.id) == ProposalAuthor.user_id)
        .where(col(ProposalAuthor.proposal_id).in_(proposal_ids))
        .order_by(col(ProposalAuthor.id))
        .execution_options(populate_existing=True)
    )
    out: dict[int, list[tuple[ProposalAuthor, User]]] = {i: [] for i in proposal_ids}
    for author, user in rows.all():
        out[author.proposal_id].append((author, user))
    return out


async def access_proposal(ctx: Context, proposal_id: int) -> ProposalAccess:
    """The proposal if the actor may read it; NotFound otherwise (a draft of others included)."""
    found = (
        await ctx.db.exec(
            select(Proposal, Network)
            .join(Network, col(Network.id) == Proposal.network_id)
            .where(Proposal.id == proposal_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        raise NotFound(NO_PROPOSAL)
    proposal, network = found
    authors = (await load_authors(ctx, [proposal_id]))[proposal_id]
    if not _visible(ctx, proposal, network, {a.user_id for a, _u in authors}):
        raise NotFound(NO_PROPOSAL)
    initiatives = await live_initiative_ids(ctx, [proposal_id])
    return ProposalAccess(proposal, network, authors, initiatives.get(proposal_id))


async def access_proposals(ctx: Context, proposal_ids: list[int]) -> list[ProposalAccess]:
    """access_proposal for several at once (four statements in all), in the order given; those
    the actor may not read are left out."""
    if not proposal_ids:
        return []
    rows = await ctx.db.exec(
        select(Proposal, Network)
        .join(Network, col(Network.id) == Proposal.network_id)
        .where(col(Proposal.id).in_(proposal_ids))
    )
    found = {p.id or 0: (p, n) for p, n in rows.all()}
    authors = await load_authors(ctx, list(found))
    initiatives = await live_initiative_ids(ctx, list(found))
    accesses = []
    for pid in proposal_ids:
        if pid not in found:
            continue
        proposal, network = found[pid]
        if _visible(ctx, proposal, network, {a.user_id for a, _u in authors[pid]}):
            accesses.append(ProposalAccess(proposal, network, authors[pid], initiatives.get(pid)))
    return accesses


async def live_initiative_ids(ctx: Context, proposal_ids: list[int]) -> dict[int, int]:
    """proposal id -> the id of the live initiative it is in (hub.models.initiatives)."""
    rows = await ctx.db.exec(
        select(InitiativeProposal.proposal_id, InitiativeProposal.initiative_id).where(
            col(InitiativeProposal.live_proposal_id).in_(proposal_ids)
        )
    )
    return dict(rows.all())


def require_author(ctx: Context, access: ProposalAccess) -> User:
    """The actor, if an accepted author who is still a member of the proposal's network."""
    user = ctx.require_user()
    if not access.is_author(user.id):
        raise Forbidden(N_("Only the proposal's authors may do that."))
    ctx.require(Action.PROPOSE, access.network)
    return user


def author_public(author: ProposalAuthor, user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "name": user.name,
        "role": author.role,
        "accepted": author.accepted_at is not None,
        "invited_at": author.invited_at.isoformat(),
        "accepted_at": author.accepted_at.isoformat() if author.accepted_at else None,
        "via_proposal_id": author.via_proposal_id,
    }


def proposal_public(access: ProposalAccess) -> dict[str, object]:
    p = access.proposal
    return {
        "id": p.id,
        "network": access.network.slug,
        "thread_id": p.thread_id,
        "status": p.status,
        "version": p.version,
        "title": p.title,
        "summary": p.summary,
        "problem": p.problem,
        "solution": p.solution,
        "legal_basis": {"act": p.legal_act, "article": p.legal_article},
        "impact": p.impact,
        "authors": [author_public(a, u) for a, u in access.authors],
        "merged_into_id": p.merged_into_id,
        "initiative_id": access.initiative_id,
        "created_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
        "status_changed_at": p.status_changed_at.isoformat(),
        "submitted_at": p.submitted_at.isoformat() if p.submitted_at else None,
    }


def transition_public(row: ProposalTransition) -> dict[str, object]:
    return {
        "from": row.from_status or None,
        "to": row.to_status,
        "actor_id": row.actor_id,
        "note": row.note,
        "at": row.at.isoformat(),
    }
