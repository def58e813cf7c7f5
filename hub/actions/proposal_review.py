"""Moving a proposal between states: the authors submit and withdraw; the coordinator approves,
requests changes, rejects or merges a duplicate into another proposal.

Every move goes through `_move`: checked against the table (hub.actions.proposal_states),
guarded by a conditional UPDATE, written to the timeline and the audit log, and announced as a
`proposal.status` event built by `notify_status`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from hub import channels
from hub.actions import search, threads
from hub.actions.context import Context
from hub.actions.errors import N_, Invalid, NotFound
from hub.actions.proposal_coauthors import AUTHOR_KEY
from hub.actions.proposal_notices import notify_reviewed, notify_submitted
from hub.actions.proposal_states import MERGE_TARGETS, REVIEW_MOVES, TRANSITIONS, By, Move
from hub.actions.proposal_text import conflict_in_state
from hub.actions.proposals import notify_updated
from hub.actions.validate import check_choice, check_text
from hub.db import utcnow
from hub.events import Event
from hub.models import ThreadKind
from hub.models.proposals import NOTE_MAX, AuthorRole, Proposal, ProposalAuthor, ProposalTransition
from hub.permissions import Action
from hub.reads.proposals import (
    ProposalAccess,
    access_proposal,
    proposal_public,
    require_author,
    transition_public,
)
from hub.upsert import insert_ignore


def notify_status(access: ProposalAccess, row: ProposalTransition) -> list[Event]:
    """`proposal.status` on the proposal's channel, and on the network's once it is public
    (a draft withdrawn before it was ever submitted stays among its authors)."""
    data = {**proposal_public(access), "transition": transition_public(row)}
    events = [
        Event(channel=channels.proposal(access.proposal.id), type="proposal.status", data=data)
    ]
    if access.proposal.submitted_at is not None:
        channel = channels.network(access.network.slug)
        events.append(Event(channel=channel, type="proposal.status", data=data))
    return events


async def _current_status(ctx: Context, proposal_id: int) -> str:
    row = await ctx.db.exec(select(Proposal.status).where(Proposal.id == proposal_id))
    return row.one()


async def _move(
    ctx: Context, access: ProposalAccess, move: Move, *, note: str = "", **values: Any
) -> ProposalTransition:
    """Make `move` if the table allows it from the state the database holds (else 409)."""
    transition = TRANSITIONS[move]
    proposal = access.proposal
    expected = proposal.status
    if expected not in transition.sources:
        raise conflict_in_state(expected)
    now = utcnow()
    result = await ctx.db.exec(
        update(Proposal)
        .where(col(Proposal.id) == proposal.id, col(Proposal.status) == expected)
        .values(status=transition.target, status_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # someone else moved it first
        raise conflict_in_state(await _current_status(ctx, proposal.id or 0))
    assert proposal.id is not None
    row = ProposalTransition(
        proposal_id=proposal.id,
        from_status=expected,
        to_status=transition.target,
        actor_id=ctx.actor.id if ctx.actor else None,
        note=note,
        at=now,
    )
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit(
        f"proposal.{move}", proposal, network=access.network.slug, to=transition.target, note=note
    )
    return row


async def _after(ctx: Context, proposal_id: int, row: ProposalTransition) -> ProposalAccess:
    access = await access_proposal(ctx, proposal_id)
    for event in notify_status(access, row):
        ctx.emit(event)
    return access


def _check_note(note: str | None, required: bool) -> str:
    checked = check_text(note, "note", NOTE_MAX)
    if required and not checked:
        raise Invalid(N_("Tell the authors why, please."), field="note")
    return checked


async def do_submit(ctx: Context, proposal_id: int) -> ProposalAccess:
    """Send a draft, or a proposal with requested changes, to the coordinator (its authors).

    The first submission opens the proposal's discussion thread on the network's board.
    """
    access = await access_proposal(ctx, proposal_id)
    require_author(ctx, access)
    proposal = access.proposal
    if proposal.status not in TRANSITIONS[Move.SUBMIT].sources:
        raise conflict_in_state(proposal.status)
    values: dict[str, Any] = {}
    if proposal.thread_id is None:
        thread, _post = await threads.do_create_thread(
            ctx,
            access.network.slug,
            title=proposal.title,
            body=proposal.summary,
            kind=ThreadKind.PROPOSAL,
        )
        values["thread_id"] = thread.id
    if proposal.submitted_at is None:
        values["submitted_at"] = utcnow()
    row = await _move(ctx, access, Move.SUBMIT, **values)
    access = await _after(ctx, proposal_id, row)
    await search.index_proposal(ctx, access.proposal)
    if "submitted_at" in values:
        await notify_submitted(ctx, access)
    return access


async def do_withdraw(ctx: Context, proposal_id: int, *, note: str | None = None) -> ProposalAccess:
    """Take the proposal back, before any vote (its authors); `note` is their reason."""
    access = await access_proposal(ctx, proposal_id)
    require_author(ctx, access)
    row = await _move(ctx, access, Move.WITHDRAW, note=_check_note(note, required=False))
    return await _after(ctx, proposal_id, row)


async def do_review(
    ctx: Context,
    proposal_id: int,
    *,
    action: str | None,
    note: str | None = None,
    into: int | None = None,
) -> ProposalAccess:
    """The coordinator's decision on a submitted proposal: approve, request_changes (a note to
    the authors required), reject (a reason required) or merge it `into` another proposal of the
    same network, whose authors it then also lists."""
    access = await access_proposal(ctx, proposal_id)
    ctx.require(Action.REVIEW_PROPOSALS, access.network)
    move = Move(check_choice(action, tuple(REVIEW_MOVES), field="action"))
    transition = TRANSITIONS[move]
    assert transition.by is By.COORDINATOR
    if access.proposal.status not in transition.sources:
        raise conflict_in_state(access.proposal.status)
    checked = _check_note(note, transition.note_required)
    if move is not Move.MERGE:
        row = await _move(ctx, access, move, note=checked)
        reviewed = await _after(ctx, proposal_id, row)
        await notify_reviewed(ctx, reviewed, row)
        return reviewed
    survivor = await _merge_target(ctx, access, into)
    # Lock the two rows in id order, so two opposite merges at once cannot deadlock.
    if (survivor.proposal.id or 0) < proposal_id:
        await _hold_survivor(ctx, survivor)
        row = await _move(ctx, access, Move.MERGE, note=checked, merged_into_id=into)
    else:
        row = await _move(ctx, access, Move.MERGE, note=checked, merged_into_id=into)
        await _hold_survivor(ctx, survivor)
    await _take_authors(ctx, access, survivor)
    merged = await _after(ctx, proposal_id, row)
    await notify_reviewed(ctx, merged, row)
    ctx.emit(notify_updated(await access_proposal(ctx, survivor.proposal.id or 0)))
    return merged


async def _merge_target(ctx: Context, access: ProposalAccess, into: int | None) -> ProposalAccess:
    if into is None:
        raise Invalid(N_("Choose the proposal to merge this one into."), field="into")
    if into == access.proposal.id:
        raise Invalid(N_("A proposal cannot be merged into itself."), field="into")
    try:
        survivor = await access_proposal(ctx, into)
    except NotFound:
        raise Invalid(N_("No such proposal in this network."), field="into") from None
    if survivor.network.id != access.network.id:
        raise Invalid(N_("No such proposal in this network."), field="into")
    if survivor.proposal.status not in MERGE_TARGETS:
        raise Invalid(
            N_("Merge into a proposal that is under review, approved or being voted on."),
            field="into",
        )
    return survivor


async def _hold_survivor(ctx: Context, survivor: ProposalAccess) -> None:
    """Re-check the survivor's state in the database and hold its row until commit."""
    result = await ctx.db.exec(
        update(Proposal)
        .where(
            col(Proposal.id) == survivor.proposal.id,
            col(Proposal.status).in_(list(MERGE_TARGETS)),
        )
        .values(updated_at=Proposal.updated_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Invalid(
            N_("Merge into a proposal that is under review, approved or being voted on."),
            field="into",
        )


async def _take_authors(ctx: Context, merged: ProposalAccess, survivor: ProposalAccess) -> None:
    """The merged proposal's accepted authors become the survivor's co-authors (noting where
    they came from); those already there stay as they are."""
    rows = [
        {
            "proposal_id": survivor.proposal.id,
            "user_id": author.user_id,
            "role": AuthorRole.COAUTHOR,
            "invited_by_id": ctx.actor.id if ctx.actor else None,
            "invited_at": utcnow(),
            "accepted_at": author.accepted_at,
            "via_proposal_id": merged.proposal.id,
        }
        for author, _user in merged.authors
        if author.accepted_at is not None
    ]
    for row in rows:
        await insert_ignore(ctx.db, ProposalAuthor, row, AUTHOR_KEY)
    ctx.audit(
        "proposal.merged_in",
        survivor.proposal,
        merged=merged.proposal.id,
        authors=[r["user_id"] for r in rows],
    )
