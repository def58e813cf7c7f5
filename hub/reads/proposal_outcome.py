"""What became of a proposal: its live initiative's status, the committee's decisions (with
the remarks of a return) and the follow-ups, for the proposal's page (its readers who may also
see the initiative: the committee and the proposal's network)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.actions.context import Context
from hub.actions.errors import NotFound
from hub.models import InitiativeDecision, InitiativeFollowUp, User
from hub.reads.initiative_decisions import decisions, follow_ups
from hub.reads.initiatives import InitiativeAccess, access_initiative, live_initiative_id


@dataclass
class Outcome:
    access: InitiativeAccess
    decisions: list[tuple[InitiativeDecision, User | None]]
    follow_ups: list[InitiativeFollowUp]


async def outcome_of(ctx: Context, proposal_id: int) -> Outcome | None:
    """The proposal's live initiative and its timeline, or None (none, or not the actor's to
    see). Callers have checked that the actor may read the proposal."""
    initiative_id = await live_initiative_id(ctx, proposal_id)
    if initiative_id is None:
        return None
    try:
        access = await access_initiative(ctx, initiative_id)
    except NotFound:
        return None
    steps = (await decisions(ctx, [initiative_id]))[initiative_id]
    later = (await follow_ups(ctx, [initiative_id]))[initiative_id]
    return Outcome(access, steps, later)
