"""Reading proposals: a network's list, one proposal with its timeline and the moves the reader
may make, its edit history, "my proposals" and the coordinator's review queue.

Forms that write a proposal are in proposal_forms, the moves (submit, review, ...) in
proposal_moves; every check is the actions'.
"""

from __future__ import annotations

import difflib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub import channels
from hub.actions.context import Context
from hub.actions.errors import N_
from hub.actions.notifications import mark_target_read
from hub.models.proposals import ProposalRevision, ProposalStatus
from hub.permissions import Action
from hub.reads import bodies, proposal_views, proposals
from hub.reads import proposal_lists as proposal_reads
from hub.reads.proposal_outcome import outcome_of
from hub.reads.proposals import ProposalAccess
from hub.web.forms import action, path_id, query_id
from hub.web.live_since import live_since
from hub.web.pages import vote_section
from hub.web.pages.notifications import recount
from hub.web.templating import render

NO_PROPOSAL = N_("No such proposal.")
STATES = ["", *(s.value for s in ProposalStatus)]
TEXT_FIELDS = ("title", "summary", "problem", "solution", "legal_act", "legal_article", "impact")


async def list_page(request: Request) -> Response:
    """/networks/{slug}/proposals?status=&cursor=: newest first, with counts per state."""
    slug = request.path_params["slug"]
    status = request.query_params.get("status", "")
    status = status if status in STATES else ""
    cursor = query_id(request, "cursor")
    async with action(request) as ctx:
        page, next_id = await proposal_reads.list_proposals(
            ctx, slug, status=status or None, before=cursor
        )
        network = await bodies.access_network(ctx, slug)
        counts = await proposal_views.status_counts(ctx, network)
        waiting = (await proposal_views.review_counts(ctx, [network])).get(network.id or 0, 0)
    return render(
        request,
        "proposals/list.html",
        {
            "network": network,
            "items": page,
            "next_cursor": next_id,
            "cursor": cursor,
            "status": status,
            "states": [s for s in STATES if s in ("", status) or counts.get(s)],
            "counts": counts,
            "can_propose": ctx.may(Action.PROPOSE, network),
            "can_review": ctx.may(Action.REVIEW_PROPOSALS, network),
            "waiting": waiting,
        },
    )


async def load_page_context(ctx: Context, access: ProposalAccess) -> dict[str, Any]:
    """What the proposal page shows beside the proposal itself."""
    access, vote = await vote_section.load(ctx, access)  # closes a due vote first (V4)
    moves = proposal_views.viewer_moves(ctx, access)
    author_ids = {a.user_id for a, _u in access.authors}
    members = (
        [
            m
            for m in await bodies.network_members(ctx, access.network)
            if m.user.id not in author_ids
        ]
        if "invite" in moves
        else []
    )
    merged_into = (
        await proposals.access_proposal(ctx, access.proposal.merged_into_id)
        if access.proposal.merged_into_id
        else None
    )
    merged_from = await proposals.access_proposals(
        ctx, await proposal_reads.merged_from(ctx, access)
    )
    return {
        "access": access,
        "proposal": access.proposal,
        "network": access.network,
        "timeline": await proposal_reads.timeline(ctx, access),
        "outcome": await outcome_of(ctx, access.proposal.id or 0),
        "moves": moves,
        "viewer_is_author": access.author_row(ctx.actor.id if ctx.actor else None) is not None,
        "members": members,
        "merge_targets": (
            await proposal_views.merge_targets(ctx, access) if "merge" in moves else []
        ),
        "merged_into": merged_into,
        "merged_from": merged_from,
        "revision_count": len(await proposal_reads.proposal_history(ctx, access.proposal.id or 0)),
        # proposal.html includes proposals/_vote.html when it is set (hub.web.pages.vote_section).
        "vote": vote,
    }


async def proposal_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """/proposals/{id}: the text, authors, timeline, links and the reader's possible moves.

    `extra` (a refused move) carries `errors` by form and what was typed, shown beside it.
    """
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    since = await live_since(request, channels.proposal(proposal_id))
    async with action(request) as ctx:
        access = await proposals.access_proposal(ctx, proposal_id)
        context = await load_page_context(ctx, access)
        await mark_target_read(ctx, channels.proposal(proposal_id))
    await recount(request)
    context |= {
        "live_since": since,
        "done": request.query_params.get("done", ""),
        "errors": {},
        "values": {},
        **(extra or {}),
    }
    return render(request, "proposals/proposal.html", context, status_code=status)


def _diff(old: ProposalRevision | Any, new: ProposalRevision | Any) -> list[dict[str, Any]]:
    """Per field that changed: the lines removed and added (difflib), for a readable view."""
    changed = []
    for name in TEXT_FIELDS:
        before, after = str(getattr(old, name)), str(getattr(new, name))
        if before == after:
            continue
        lines = list(difflib.ndiff(before.splitlines(), after.splitlines()))
        changed.append(
            {
                "field": name,
                "lines": [(line[0], line[2:]) for line in lines if line[0] in "+- "],
            }
        )
    return changed


async def history_page(request: Request) -> Response:
    """/proposals/{id}/history?from=&to=: the versions, and what changed between two of them."""
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        access = await proposals.access_proposal(ctx, proposal_id)
        revisions = await proposal_reads.proposal_history(ctx, proposal_id)
    current = access.proposal
    versions: dict[int, Any] = {r.version: r for r in revisions}
    versions[current.version] = current
    newest = current.version
    to = query_id(request, "to") or newest
    start = query_id(request, "from") or max(1, to - 1)
    compared = None
    if start in versions and to in versions and start != to:
        compared = {"from": start, "to": to, "fields": _diff(versions[start], versions[to])}
    return render(
        request,
        "proposals/history.html",
        {
            "access": access,
            "proposal": current,
            "network": access.network,
            "revisions": list(reversed(revisions)),
            "compared": compared,
            "versions": sorted(versions, reverse=True),
        },
    )


async def my_page(request: Request) -> Response:
    """/proposals/mine: drafts, invitations waiting for an answer, all I author."""
    async with action(request) as ctx:
        mine = await proposal_views.my_proposals(ctx)
    invitations = [m for m in mine if not m.accepted]
    drafts = [m for m in mine if m.accepted and m.access.proposal.status == ProposalStatus.DRAFT]
    authored = [m for m in mine if m.accepted]
    return render(
        request,
        "proposals/mine.html",
        {"invitations": invitations, "drafts": drafts, "authored": authored},
    )


async def queue_page(request: Request) -> Response:
    """/networks/{slug}/review-queue: submitted proposals, oldest first (the coordinator)."""
    slug = request.path_params["slug"]
    cursor = query_id(request, "cursor")
    async with action(request) as ctx:
        ctx.require_user()
        items, next_id = await proposal_reads.list_proposals(ctx, slug, before=cursor, queue=True)
        network = await bodies.access_network(ctx, slug)
    return render(
        request,
        "proposals/queue.html",
        {"network": network, "items": items, "next_cursor": next_id, "cursor": cursor},
    )
