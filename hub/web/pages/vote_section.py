"""The vote section of the proposal page (templates/proposals/_vote.html) and the reads behind
it (the forms are in vote_forms).

What the section shows comes from the actions (hub.actions.votes, vote_read, vote_tally), with
their secret-ballot rules (V5): a secret ballot's page lists who has voted, never what; only the
reader's own ballot is shown to the reader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from hub.actions import vote_read, votes
from hub.actions.context import Context
from hub.db import utcnow
from hub.models.proposals import ProposalStatus
from hub.models.votes import BallotKind, Counting, Vote, VoteStatus
from hub.permissions import Action
from hub.reads.proposals import ProposalAccess, access_proposal
from hub.reads.vote_tally import current_count, tally_public
from hub.web.pages.vote_chart import TallyView, tally_view

BELGRADE = ZoneInfo("Europe/Belgrade")  # the time the forms are filled in and shown in
DEFAULT_DAYS = 7
DEFAULT_QUORUM = 50
DEFAULT_THRESHOLD = 50
LISTED = vote_read.MAX_PAGE  # ballots or voters shown on the page (the API pages the rest)


@dataclass
class VoteSection:
    """What proposals/_vote.html shows; `vote` is None before a vote is opened."""

    vote: Vote | None
    tally: dict[str, Any] | None = None
    mine: dict[str, Any] | None = None
    elector: bool = False
    ballots: list[dict[str, Any]] = field(default_factory=list)  # open ballots: who voted what
    voters: list[dict[str, Any]] = field(default_factory=list)  # secret ballots: who has voted
    more: bool = False
    listed: int = LISTED
    can_manage: bool = False  # the coordinator: open, close now
    open_defaults: dict[str, str] = field(default_factory=dict)

    @property
    def view(self) -> TallyView | None:
        return tally_view(self.tally) if self.tally is not None else None


def local_input(moment: dt.datetime) -> str:
    """A moment as a datetime-local field's value, in Belgrade time."""
    return moment.astimezone(BELGRADE).strftime("%Y-%m-%dT%H:%M")


def open_defaults(now: dt.datetime | None = None) -> dict[str, str]:
    """The open-vote form's values before anything is typed: closing a week from now."""
    closes = (now or utcnow()) + dt.timedelta(days=DEFAULT_DAYS)
    return {
        "closes_at": local_input(closes.replace(second=0, microsecond=0)),
        "quorum": str(DEFAULT_QUORUM),
        "threshold": str(DEFAULT_THRESHOLD),
        "counting": Counting.MEMBER,
        "ballot": BallotKind.OPEN,
    }


async def load(ctx: Context, access: ProposalAccess) -> tuple[ProposalAccess, VoteSection | None]:
    """The section for this reader, and the proposal again if reading closed a due vote (V4)."""
    proposal_id = access.proposal.id or 0
    can_manage = ctx.may(Action.REVIEW_PROPOSALS, access.network)
    vote = await votes.vote_of(ctx, proposal_id)
    if vote is None:
        if can_manage and access.proposal.status == ProposalStatus.APPROVED:
            return access, VoteSection(None, can_manage=True, open_defaults=open_defaults())
        return access, None
    if votes.is_due(vote):
        vote = await votes.close_if_due(ctx, vote)
        access = await access_proposal(ctx, proposal_id)
    section = VoteSection(
        vote,
        tally=tally_public(vote, await current_count(ctx, vote)),
        elector=await vote_read.is_elector(ctx, vote),
        can_manage=can_manage,
    )
    if ctx.actor is not None:
        section.mine = await vote_read.read_my_ballot(ctx, proposal_id)
    if vote.ballot == BallotKind.OPEN:
        section.ballots, after = await vote_read.list_ballots(ctx, proposal_id, limit=LISTED)
    else:
        section.voters, after = await vote_read.list_voters(ctx, proposal_id, limit=LISTED)
    section.more = after is not None
    return access, section


def is_open(section: VoteSection | None) -> bool:
    return bool(section and section.vote and section.vote.status == VoteStatus.OPEN)
