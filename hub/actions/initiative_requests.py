"""What people ask of initiatives: make a joint one from passed proposals, try a failed
compilation again.

A joint initiative may take a proposal whose own initiative is only `delivered` or `failed`:
that initiative becomes `superseded` (pointing at the new one) and lets its proposals go, all
in the transaction that makes the new one; any later state is a 409 naming it. A proposal's
automatic compilation (the job of its passing vote) that finds the proposal already in a live
initiative makes nothing.
"""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Forbidden, Invalid, NotFound
from hub.actions.initiatives import (
    enqueue_compile,
    insert_initiative,
    link_proposals,
    notify_status,
    set_status,
    write_intent,
)
from hub.i18n import BABEL_LOCALES
from hub.models import Committee, JobIntent, ProposalStatus
from hub.models.initiatives import (
    INITIATIVE_TITLE_MAX,
    SUPERSEDABLE,
    Initiative,
    InitiativeProposal,
    InitiativeRevision,
    InitiativeStatus,
    RevisionStatus,
)
from hub.permissions import Action
from hub.reads.initiatives import (
    InitiativeAccess,
    access_initiative,
    initiative_conflict,
    live_initiatives,
    load_initiative,
    may_manage,
)
from hub.reads.proposals import access_proposal

MAX_PROPOSALS = 20


def check_language(language: str | None) -> str:
    if language is None or language == "":
        return "sr-Latn"
    if language not in BABEL_LOCALES:
        raise Invalid(N_("Choose sr-Latn, sr-Cyrl or en."), field="language")
    return language


def _check_ids(proposal_ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(proposal_ids))
    if not wanted:
        raise Invalid(N_("Choose at least one proposal."), field="proposal_ids")
    if len(wanted) > MAX_PROPOSALS:
        raise Invalid(
            N_("At most %(max)d proposals in one initiative."),
            field="proposal_ids",
            max=MAX_PROPOSALS,
        )
    return wanted


async def do_create_initiative(
    ctx: Context,
    proposal_ids: list[int],
    committee_slug: str,
    *,
    title: str | None = None,
    language: str | None = None,
) -> InitiativeAccess:
    """A (joint) initiative of passed proposals of networks of one committee, `compiling`."""
    ctx.require_user()
    wanted = _check_ids(proposal_ids)
    language = check_language(language)
    committee = (
        await ctx.db.exec(select(Committee).where(Committee.slug == committee_slug))
    ).first()
    if committee is None or committee.id is None:
        raise NotFound(N_("No such committee."))
    accesses = [await access_proposal(ctx, pid) for pid in wanted]
    for access in accesses:
        if access.network.committee_id != committee.id:
            raise Invalid(
                N_("Every proposal must come from a network of the chosen committee."),
                field="proposal_ids",
            )

    chair = ctx.may(Action.DECIDE_FOR_COMMITTEE, committee)
    for access in accesses:
        if not chair and not ctx.principal.coordinates(access.network.id):
            raise Forbidden(
                N_("Only the committee's chair or the proposals' coordinators may do that.")
            )
    for access in accesses:
        if access.proposal.status != ProposalStatus.PASSED:
            raise Conflict(
                N_("Proposal %(id)d has not passed a vote (it is %(status)s)."),
                id=access.proposal.id,
                status=access.proposal.status,
            )
    title = (title or "").strip() or "; ".join(a.proposal.title for a in accesses)
    if len(title) > INITIATIVE_TITLE_MAX:
        if len(accesses) == 1 or title != "; ".join(a.proposal.title for a in accesses):
            raise Invalid(
                N_("At most %(max)d characters."), field="title", max=INITIATIVE_TITLE_MAX
            )
        title = title[: INITIATIVE_TITLE_MAX - 1] + "…"
    old = await _release(ctx, wanted)
    initiative_id, _revision_id = await insert_initiative(
        ctx,
        source_key=f"joint:{secrets.token_hex(10)}",
        committee=committee,
        title=title,
        language=language,
        job_key="",
    )
    await link_proposals(ctx, initiative_id, wanted)
    for old_id in old:
        await ctx.db.exec(
            update(Initiative)
            .where(col(Initiative.id) == old_id)
            .values(superseded_by_id=initiative_id)
        )
    write_intent(ctx, f"compile:initiative:{initiative_id}:1", {"initiative_id": initiative_id})
    ctx.audit("initiative.create", None, initiative_id=initiative_id, proposal_ids=wanted)
    for old_id in old:
        if (superseded := await load_initiative(ctx, old_id)) is not None:
            for event in notify_status(superseded):
                ctx.emit(event)
    made = await load_initiative(ctx, initiative_id)
    assert made is not None
    for event in notify_status(made):
        ctx.emit(event)
    return made


async def _release(ctx: Context, proposal_ids: list[int]) -> list[int]:
    """Supersede the initiatives the proposals are live in (only `delivered` or `failed` ones)."""
    old = {i.id: i for i in (await live_initiatives(ctx, proposal_ids)).values()}
    for initiative_id, initiative in old.items():
        assert initiative_id is not None
        if initiative.status not in SUPERSEDABLE or not await set_status(
            ctx, initiative_id, tuple(SUPERSEDABLE), InitiativeStatus.SUPERSEDED
        ):
            current = await ctx.db.exec(
                select(Initiative.status).where(Initiative.id == initiative_id)
            )
            raise initiative_conflict(current.one())
        await ctx.db.exec(
            update(InitiativeProposal)
            .where(col(InitiativeProposal.initiative_id) == initiative_id)
            .values(live_proposal_id=None)
        )
    return [i for i in old if i is not None]


async def do_retry_initiative(ctx: Context, initiative_id: int) -> InitiativeAccess:
    """Compile a `failed` revision again (its chair, its networks' coordinators)."""
    ctx.require_user()
    access = await access_initiative(ctx, initiative_id)
    if not may_manage(ctx, access.committee, access.network_ids):
        raise Forbidden(
            N_("Only the committee's chair or the proposals' coordinators may do that.")
        )
    revision = access.revision
    if revision is None or revision.id is None:
        raise initiative_conflict(access.initiative.status)
    result = await ctx.db.exec(
        update(InitiativeRevision)
        .where(
            col(InitiativeRevision.id) == revision.id,
            col(InitiativeRevision.status) == RevisionStatus.FAILED,
        )
        .values(
            status=RevisionStatus.COMPILING,
            attempts=0,
            error="",
            progress=0,
            step="",
            claimed_by="",
            heartbeat_at=None,
            finished_at=None,
        )
    )
    if not result.rowcount:
        raise initiative_conflict(access.initiative.status)
    await set_status(ctx, initiative_id, (InitiativeStatus.FAILED,), InitiativeStatus.COMPILING)
    reset = await ctx.db.exec(
        update(JobIntent)
        .where(col(JobIntent.key) == revision.job_key)
        .values(status="pending", attempts=0, last_error="", finished_at=None, enqueued_at=None)
    )
    if not reset.rowcount:
        ctx.db.add(
            JobIntent(
                key=revision.job_key, kind="compile", payload={"initiative_id": initiative_id}
            )
        )
    enqueue_compile(ctx, revision.job_key)
    ctx.audit("initiative.retry", None, initiative_id=initiative_id, revision=revision.revision)
    fresh = await load_initiative(ctx, initiative_id)
    assert fresh is not None
    for event in notify_status(fresh):
        ctx.emit(event)
    return fresh
