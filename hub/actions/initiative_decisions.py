"""The chair's work on an initiative: starting the review, the decision, and the follow-ups
after adoption.

The committee's review starts when the chair says so ("start review") or with the first
comment: delivered -> in_review. The decision (adopt, return with remarks, reject) is taken on
a delivered or in-review initiative: a conditional UPDATE of its status, and a row unique per
(initiative, revision), so two chairs deciding at once leave one decision and the other gets
409 naming the state. Follow-ups are recorded only on adopted initiatives. Every step is
audited and told as `initiative.status` (or `initiative.follow_up`) on the committee's channel
and each proposal's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.actions.initiative_notices import notify_networks
from hub.actions.notifications import Kind
from hub.actions.validate import check_choice, check_text
from hub.db import utcnow
from hub.events import Event
from hub.models import (
    Decision,
    FollowUpKind,
    Initiative,
    InitiativeDecision,
    InitiativeFollowUp,
    InitiativeStatus,
)
from hub.models.committee_work import DECISION_NOTE_MAX, UPDATE_NOTE_MAX
from hub.permissions import Action
from hub.reads.committee_inbox import DECIDABLE, current_status, step_channels
from hub.reads.initiative_decisions import decision_public, follow_up_public
from hub.reads.initiatives import (
    InitiativeAccess,
    access_initiative,
    initiative_conflict,
    initiative_public,
)

S = InitiativeStatus
OUTCOME = {Decision.ADOPT: S.ADOPTED, Decision.RETURN: S.RETURNED, Decision.REJECT: S.REJECTED}


def notify_status(access: InitiativeAccess, extra: dict[str, Any]) -> list[Event]:
    """`initiative.status`: the initiative as hub.actions.initiatives shapes it, with the step."""
    data = {**initiative_public(access), **extra}
    return [Event(channel=c, type="initiative.status", data=data) for c in step_channels(access)]


async def _move(ctx: Context, access: InitiativeAccess, sources: tuple[str, ...], to: str) -> None:
    """Move the initiative from the state the database holds, if one of `sources` (else 409)."""
    initiative = access.initiative
    expected = initiative.status
    if expected not in sources:
        raise initiative_conflict(expected)
    now = utcnow()
    result = await ctx.db.exec(
        update(Initiative)
        .where(col(Initiative.id) == initiative.id, col(Initiative.status) == expected)
        .values(status=to, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # someone else moved it first
        raise initiative_conflict(await current_status(ctx, initiative.id or 0))
    initiative.status, initiative.status_changed_at = to, now


async def begin_review(ctx: Context, access: InitiativeAccess) -> bool:
    """delivered -> in_review, if it is still delivered; True if this call moved it."""
    if access.initiative.status != S.DELIVERED:
        return False
    await _move(ctx, access, (S.DELIVERED,), S.IN_REVIEW)
    ctx.audit("initiative.review_started", access.initiative, committee=access.committee.slug)
    for event in notify_status(access, {"from": S.DELIVERED}):
        ctx.emit(event)
    return True


async def do_start_review(ctx: Context, initiative_id: int) -> InitiativeAccess:
    """The chair takes a delivered initiative up; on one already in review nothing changes."""
    access = await access_initiative(ctx, initiative_id)
    ctx.require(Action.DECIDE_FOR_COMMITTEE, access.committee)
    if access.initiative.status != S.IN_REVIEW:
        if access.initiative.status != S.DELIVERED:
            raise initiative_conflict(access.initiative.status)
        await begin_review(ctx, access)
    return access


async def do_decide(
    ctx: Context, initiative_id: int, *, decision: str | None, note: str | None
) -> InitiativeDecision:
    """The chair's decision; `return` and `reject` need a note (the remarks, the reason)."""
    access = await access_initiative(ctx, initiative_id)
    ctx.require(Action.DECIDE_FOR_COMMITTEE, access.committee)
    chosen = Decision(check_choice(decision, tuple(Decision), field="decision"))
    text = check_text(note, "note", DECISION_NOTE_MAX)
    if chosen is not Decision.ADOPT and not text:
        raise Invalid(N_("Tell the networks why, please."), field="note")
    initiative = access.initiative
    previous = initiative.status
    await _move(ctx, access, DECIDABLE, OUTCOME[chosen])
    row = InitiativeDecision(
        initiative_id=initiative_id,
        revision=initiative.current_revision,
        decision=chosen,
        note=text,
        actor_id=ctx.actor.id if ctx.actor else None,
        at=initiative.status_changed_at,
    )
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit("initiative.decided", initiative, decision=chosen, revision=row.revision, note=text)
    extra = {"from": previous, "decision": decision_public(row, ctx.actor)}
    for event in notify_status(access, extra):
        ctx.emit(event)
    networks = [n for _p, n in access.proposals]
    await notify_networks(ctx, initiative, networks, Kind.INITIATIVE_DECISION, row.id or 0)
    return row


def check_date(value: str | None, field: str = "date") -> dt.date:
    """A day as YYYY-MM-DD, not after tomorrow (what is recorded has happened)."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        raise Invalid(N_("Give the date as YYYY-MM-DD."), field=field) from None
    if day > utcnow().date() + dt.timedelta(days=1):
        raise Invalid(N_("The date cannot be in the future."), field=field)
    return day


async def do_follow_up(
    ctx: Context, initiative_id: int, *, kind: str | None, note: str | None, date: str | None
) -> InitiativeFollowUp:
    """What became of an adopted initiative (the chair, admins); 409 unless adopted."""
    access = await access_initiative(ctx, initiative_id)
    ctx.require(Action.DECIDE_FOR_COMMITTEE, access.committee)
    chosen = check_choice(kind, tuple(FollowUpKind), field="kind")
    text = check_text(note, "note", UPDATE_NOTE_MAX, required=N_("Say what happened, please."))
    day = check_date(date)
    # Hold the row in its adopted state until commit: a follow-up never lands on another state.
    result = await ctx.db.exec(
        update(Initiative)
        .where(col(Initiative.id) == initiative_id, col(Initiative.status) == S.ADOPTED)
        .values(status=S.ADOPTED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise initiative_conflict(await current_status(ctx, initiative_id))
    row = InitiativeFollowUp(
        initiative_id=initiative_id,
        kind=chosen,
        note=text,
        date=day,
        actor_id=ctx.actor.id if ctx.actor else None,
    )
    ctx.db.add(row)
    await ctx.db.flush()
    ctx.audit("initiative.followed_up", access.initiative, kind=chosen, date=day.isoformat())
    for event in notify_follow_up(access, row):
        ctx.emit(event)
    networks = [n for _p, n in access.proposals]
    kind = Kind.INITIATIVE_FOLLOW_UP
    await notify_networks(ctx, access.initiative, networks, kind, row.id or 0)
    return row


def notify_follow_up(access: InitiativeAccess, row: InitiativeFollowUp) -> list[Event]:
    data = {**initiative_public(access), "follow_up": follow_up_public(row)}
    return [Event(channel=c, type="initiative.follow_up", data=data) for c in step_channels(access)]
