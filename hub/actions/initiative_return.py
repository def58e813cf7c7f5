"""A returned initiative: the networks' coordinators revise its proposals and have it compiled
again as the next revision, linked to the one before; and the difference between revisions.

Revising is allowed only while the initiative is `returned`, to a coordinator of the proposal's
network (and admins); the text is written like an author's edit (hub.actions.proposals
.write_text: a conditional UPDATE, the replaced text kept as a proposal revision). Recompiling
moves the initiative returned -> compiling with a conditional UPDATE, adds revision n+1
(`previous_id` = revision n; unique per (initiative, revision)) and its durable compile intent,
which the initiatives' compile job (hub.actions.initiative_compile) picks up like any other.

The difference is worked out from the proposals' own history: a revision was compiled from the
text each proposal had when it was made (a proposal's text changes only through `do_revise`,
never while its initiative compiles), read back from the proposal revisions' `replaced_at`.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from hub.actions.context import Context
from hub.actions.errors import N_, Forbidden, Invalid
from hub.actions.initiatives import notify_status, write_intent
from hub.actions.proposal_text import ProposalText, check_text_changes
from hub.actions.proposals import write_text
from hub.db import utcnow
from hub.models import Initiative, InitiativeRevision, InitiativeStatus, Proposal, ProposalStatus
from hub.permissions import Action
from hub.reads.initiatives import (
    InitiativeAccess,
    access_initiative,
    initiative_conflict,
    load_initiative,
)

S = InitiativeStatus


def _require_coordinator(ctx: Context, access: InitiativeAccess, proposal: Proposal) -> None:
    network = next(n for p, n in access.proposals if p.id == proposal.id)
    if not ctx.may(Action.REVIEW_PROPOSALS, network):
        raise Forbidden(N_("Only the network's coordinators may revise a returned initiative."))


async def do_revise(
    ctx: Context, initiative_id: int, proposal_id: int, text: ProposalText
) -> Proposal:
    """Change a proposal of a returned initiative (its network's coordinators)."""
    user = ctx.require_user()
    access = await access_initiative(ctx, initiative_id)
    proposal = next((p for p, _n in access.proposals if p.id == proposal_id), None)
    if proposal is None:
        raise Invalid(N_("That proposal is not part of this initiative."), field="proposal")
    _require_coordinator(ctx, access, proposal)
    if access.initiative.status != S.RETURNED:
        raise initiative_conflict(access.initiative.status)
    changes = check_text_changes(text, proposal)
    if changes and not await write_text(
        ctx, proposal, changes, editor_id=user.id, statuses=(ProposalStatus.PASSED,)
    ):
        raise initiative_conflict(access.initiative.status)
    if changes:
        ctx.audit("proposal.revised", proposal, initiative=initiative_id, fields=sorted(changes))
    fresh = await ctx.db.get(Proposal, proposal_id, populate_existing=True)
    assert fresh is not None
    return fresh


async def do_recompile(ctx: Context, initiative_id: int) -> InitiativeAccess:
    """Compile a returned initiative again as its next revision (its networks' coordinators)."""
    ctx.require_user()
    access = await access_initiative(ctx, initiative_id)
    if not any(ctx.may(Action.REVIEW_PROPOSALS, n) for _p, n in access.proposals):
        raise Forbidden(N_("Only the network's coordinators may revise a returned initiative."))
    initiative = access.initiative
    if initiative.status != S.RETURNED:
        raise initiative_conflict(initiative.status)
    number = initiative.current_revision + 1
    moved = await ctx.db.exec(
        update(Initiative)
        .where(col(Initiative.id) == initiative_id, col(Initiative.status) == S.RETURNED)
        .values(status=S.COMPILING, current_revision=number, status_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # recompiled meanwhile by another coordinator
        fresh = await load_initiative(ctx, initiative_id)
        raise initiative_conflict(fresh.initiative.status if fresh else S.RETURNED)
    key = f"compile:initiative:{initiative_id}:{number}"
    ctx.db.add(
        InitiativeRevision(
            initiative_id=initiative_id,
            revision=number,
            previous_id=access.revision.id if access.revision else None,
            language=initiative.language,
            job_key=key,
            created_by_id=ctx.actor.id if ctx.actor else None,
        )
    )
    write_intent(ctx, key, {"initiative_id": initiative_id})
    await ctx.db.flush()
    ctx.audit("initiative.recompiled", initiative, revision=number)
    fresh = await load_initiative(ctx, initiative_id)
    assert fresh is not None
    for event in notify_status(fresh):
        ctx.emit(event)
    return fresh
