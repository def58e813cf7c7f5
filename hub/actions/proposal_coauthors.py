"""Co-authors: an author invites a member of the network, who becomes a co-author by accepting.

The invited member sees the proposal (a draft too) from the invitation on; the unique
(proposal, user) key decides between two invitations at once.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from hub.actions.context import Context
from hub.actions.errors import N_, NotFound
from hub.actions.proposal_notices import notify_invited
from hub.actions.proposal_states import TRANSITIONS, Move
from hub.actions.proposal_text import conflict_in_state
from hub.actions.proposals import check_coauthors, notify_updated
from hub.db import utcnow
from hub.models.proposals import AuthorRole, ProposalAuthor
from hub.permissions import Action
from hub.reads.proposals import ProposalAccess, access_proposal, require_author
from hub.upsert import insert_ignore

AUTHOR_KEY = ["proposal_id", "user_id"]  # uq_proposal_author decides between two at once


async def do_invite_coauthor(
    ctx: Context, proposal_id: int, user_id: int
) -> tuple[ProposalAccess, bool]:
    """Invite a member of the network to co-author (authors, before a vote). Inviting someone
    already invited changes nothing; the second value says whether this made a new invitation."""
    access = await access_proposal(ctx, proposal_id)
    user = require_author(ctx, access)
    if access.proposal.status not in TRANSITIONS[Move.WITHDRAW].sources:
        raise conflict_in_state(access.proposal.status)
    await check_coauthors(ctx, access.network, [user_id], field="user_id")
    invited = {
        "proposal_id": proposal_id,
        "user_id": user_id,
        "role": AuthorRole.COAUTHOR,
        "invited_by_id": user.id,
        "invited_at": utcnow(),
    }
    if await insert_ignore(ctx.db, ProposalAuthor, invited, AUTHOR_KEY) is None:
        return access, False
    ctx.audit("proposal.coauthor_invited", access.proposal, user_id=user_id)
    access = await access_proposal(ctx, proposal_id)
    ctx.emit(notify_updated(access))
    await notify_invited(ctx, access, [user_id])
    return access, True


async def do_accept_coauthor(ctx: Context, proposal_id: int) -> ProposalAccess:
    """The invited member accepts: from now on a co-author. Accepting twice changes nothing."""
    access = await access_proposal(ctx, proposal_id)
    user = ctx.require_user()
    row = access.author_row(user.id)
    if row is None:
        raise NotFound(N_("You have not been invited to co-author this proposal."))
    if row.accepted_at is not None:
        return access
    ctx.require(Action.PROPOSE, access.network)
    if access.proposal.status not in TRANSITIONS[Move.WITHDRAW].sources:
        raise conflict_in_state(access.proposal.status)
    result = await ctx.db.exec(
        update(ProposalAuthor)
        .where(col(ProposalAuthor.id) == row.id, col(ProposalAuthor.accepted_at).is_(None))
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        ctx.audit("proposal.coauthor_accepted", access.proposal, user_id=user.id)
    access = await access_proposal(ctx, proposal_id)
    if result.rowcount == 1:
        ctx.emit(notify_updated(access))
    return access
