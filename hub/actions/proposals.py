"""Proposals: write one, edit it while its authors hold it (reading: hub.reads.proposals).

The moves between states (submit, withdraw, the coordinator's review) are in
hub.actions.proposal_review, co-authors in hub.actions.proposal_coauthors, the table of states
in hub.actions.proposal_states.
A draft (a proposal never submitted) is seen only by its authors and the co-authors invited
to it: to anyone else it does not exist (404), in lists and on channels alike.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields

from sqlalchemy import update
from sqlmodel import col, select

from hub import channels
from hub.actions import search
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid
from hub.actions.proposal_notices import notify_invited
from hub.actions.proposal_states import EDITABLE
from hub.actions.proposal_text import (
    ProposalText,
    check_new_text,
    check_text_changes,
    conflict_in_state,
)
from hub.db import utcnow
from hub.events import Event
from hub.models import Network, NetworkMembership, User
from hub.models.proposals import (
    AuthorRole,
    Proposal,
    ProposalAuthor,
    ProposalRevision,
    ProposalStatus,
    ProposalTransition,
)
from hub.permissions import Action
from hub.reads.bodies import access_network
from hub.reads.proposals import ProposalAccess, access_proposal, proposal_public, require_author

MAX_COAUTHORS = 20


def notify_updated(access: ProposalAccess) -> Event:
    """The text or the authors changed: told on the proposal's own channel."""
    return Event(
        channel=channels.proposal(access.proposal.id),
        type="proposal.updated",
        data=proposal_public(access),
    )


async def check_coauthors(
    ctx: Context, network: Network, user_ids: list[int], field: str = "coauthors"
) -> list[int]:
    """The distinct invitees, each an active member of the network (else Invalid)."""
    wanted = list(dict.fromkeys(user_ids))
    if len(wanted) > MAX_COAUTHORS:
        raise Invalid(N_("At most %(max)d co-authors."), field=field, max=MAX_COAUTHORS)
    if not wanted:
        return []
    members = await ctx.db.exec(
        select(NetworkMembership.user_id)
        .join(User, col(User.id) == NetworkMembership.user_id)
        .where(
            NetworkMembership.network_id == network.id,
            col(NetworkMembership.user_id).in_(wanted),
            col(User.is_active).is_(True),
        )
    )
    if set(members.all()) != set(wanted):
        raise Invalid(N_("Co-authors must be members of the network."), field=field)
    return wanted


async def do_create_proposal(
    ctx: Context, network_slug: str, text: ProposalText, *, coauthor_ids: list[int] | None = None
) -> ProposalAccess:
    """A new draft in the network (members), its creator its author, co-authors invited."""
    network = await access_network(ctx, network_slug, Action.PROPOSE)
    user = ctx.require_user()
    checked = check_new_text(text)
    invitees = [i for i in await check_coauthors(ctx, network, coauthor_ids or []) if i != user.id]
    now = utcnow()
    assert network.id is not None and user.id is not None
    proposal = Proposal.model_validate(
        {
            **checked,
            "network_id": network.id,
            "created_by_id": user.id,
            "created_at": now,
            "updated_at": now,
            "status_changed_at": now,
        }
    )
    ctx.db.add(proposal)
    await ctx.db.flush()
    assert proposal.id is not None
    ctx.db.add(
        ProposalAuthor(
            proposal_id=proposal.id, user_id=user.id, role=AuthorRole.AUTHOR, accepted_at=now
        )
    )
    for invitee in invitees:
        ctx.db.add(ProposalAuthor(proposal_id=proposal.id, user_id=invitee, invited_by_id=user.id))
    ctx.db.add(
        ProposalTransition(
            proposal_id=proposal.id,
            from_status="",
            to_status=ProposalStatus.DRAFT,
            actor_id=user.id,
        )
    )
    await ctx.db.flush()
    ctx.audit("proposal.created", proposal, network=network.slug, coauthors=invitees)
    access = await access_proposal(ctx, proposal.id)
    await notify_invited(ctx, access, invitees)
    return access


async def do_edit_proposal(
    ctx: Context, proposal_id: int, text: ProposalText, *, version: int | None = None
) -> ProposalAccess:
    """Change the text while the authors hold it (draft, changes requested); keep the old one.

    `version`, when given, is the version the editor started from: an edit made meanwhile by a
    co-author is then a 409 instead of being overwritten.
    """
    access = await access_proposal(ctx, proposal_id)
    user = require_author(ctx, access)
    proposal = access.proposal
    if proposal.status not in EDITABLE:
        raise conflict_in_state(proposal.status)
    if version is not None and version != proposal.version:
        raise Conflict(N_("A co-author changed this proposal meanwhile: reload it and edit again."))
    changes = check_text_changes(text, proposal)
    if not changes:
        return access
    if not await write_text(ctx, proposal, changes, editor_id=user.id, statuses=EDITABLE):
        current = await access_proposal(ctx, proposal_id)
        if current.proposal.status not in EDITABLE:
            raise conflict_in_state(current.proposal.status)
        raise Conflict(N_("A co-author changed this proposal meanwhile: reload it and edit again."))
    ctx.audit("proposal.edited", proposal, fields=sorted(changes), version=proposal.version + 1)
    access = await access_proposal(ctx, proposal_id)
    await search.index_proposal(ctx, access.proposal)  # a public one only, never a draft
    ctx.emit(notify_updated(access))
    return access


_TEXT_FIELDS = {f.name for f in fields(ProposalText)}


async def write_text(
    ctx: Context,
    proposal: Proposal,
    changes: dict[str, str],
    *,
    editor_id: int | None,
    statuses: Collection[str],
) -> bool:
    """Write checked `changes` if the proposal is still at its version and in one of `statuses`
    (a conditional UPDATE), keeping the text it replaces as a revision; False if it was not."""
    now = utcnow()
    result = await ctx.db.exec(
        update(Proposal)
        .where(
            col(Proposal.id) == proposal.id,
            col(Proposal.version) == proposal.version,
            col(Proposal.status).in_(list(statuses)),
        )
        .values(**changes, version=Proposal.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    ctx.db.add(
        ProposalRevision(
            proposal_id=proposal.id or 0,
            version=proposal.version,
            written_at=proposal.updated_at,
            replaced_at=now,
            editor_id=editor_id,
            **{f: getattr(proposal, f) for f in _TEXT_FIELDS},
        )
    )
    return True
