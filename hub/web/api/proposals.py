"""The proposals' JSON endpoints (ROUTES): write and edit, co-authors, submit and withdraw, the
coordinator's review and queue, reading and listing.

Each handler parses, calls one action in one transaction and returns the proposal as
hub.actions.proposals.proposal_public shapes it. A draft of someone else is 404, like a
proposal that does not exist; a move the state does not allow is 409 naming the state.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import proposal_coauthors as coauthors
from hub.actions import proposal_review as review
from hub.actions import proposals
from hub.actions.errors import N_, Invalid
from hub.actions.proposal_text import ProposalText
from hub.actions.proposals import ProposalAccess
from hub.web.api.board_common import id_list, limit_of, optional_id, signed_in
from hub.web.forms import action, path_id, query_id, read_json, string

NO_PROPOSAL = N_("No such proposal.")


def _text(data: dict[str, Any]) -> ProposalText:
    basis = data.get("legal_basis")
    if basis is None:
        basis = {}
    if not isinstance(basis, dict):
        raise Invalid(
            N_("Give the legal basis as {act, article}: the law or by-law and its article."),
            field="legal_basis",
        )
    try:
        act, article = string(basis, "act"), string(basis, "article")
    except Invalid as error:
        raise Invalid(error.message, field=f"legal_basis.{error.field}") from None
    return ProposalText(
        title=string(data, "title"),
        summary=string(data, "summary"),
        problem=string(data, "problem"),
        solution=string(data, "solution"),
        legal_act=act,
        legal_article=article,
        impact=string(data, "impact"),
    )


async def _full(ctx: Any, access: ProposalAccess) -> dict[str, Any]:
    """The proposal with its timeline and the duplicates merged into it."""
    body = proposals.proposal_public(access)
    body["timeline"] = [
        {**review.transition_public(row), "actor": {"id": u.id, "name": u.name} if u else None}
        for row, u in await proposals.timeline(ctx, access)
    ]
    body["merged_from"] = await proposals.merged_from(ctx, access)
    return body


async def create_proposal(request: Request) -> Response:
    """summary: Write a proposal in a network (members); it starts as a draft only its authors see
    requestBody: {title, summary, problem, solution, legal_basis: {act, article?}, impact,
      coauthors?: [user ids]}
    responses:
      201: the proposal, status `draft`
      403: not a member of the network
      404: no such network, or the caller may not read it
      422: a missing or over-long field (named in `field`), a co-author who is not a member
    """
    signed_in(request)
    data = await read_json(request)
    text = _text(data)
    coauthors = id_list(data, "coauthors")
    async with action(request) as ctx:
        access = await proposals.do_create_proposal(
            ctx, request.path_params["slug"], text, coauthor_ids=coauthors
        )
        body = await _full(ctx, access)
    return JSONResponse(body, status_code=201)


async def get_proposal(request: Request) -> Response:
    """summary: One proposal with its authors, timeline and the duplicates merged into it
    responses:
      404: no such proposal, a draft of others, or a network the caller may not read
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await _full(ctx, await proposals.access_proposal(ctx, proposal_id))
    return JSONResponse(body)


async def edit_proposal(request: Request) -> Response:
    """summary: Edit a proposal's text while it is a draft or changes were requested (its authors)
    requestBody: {title?, summary?, problem?, solution?, legal_basis?: {act?, article?}, impact?,
      version?}
    responses:
      200: the proposal; the earlier text is kept in its history
      403: not one of its authors
      409: not editable in its state, or `version` is no longer the current one
      422: a missing or over-long field
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await read_json(request)
    text = _text(data)
    version = optional_id(data, "version")
    async with action(request) as ctx:
        access = await proposals.do_edit_proposal(ctx, proposal_id, text, version=version)
        body = await _full(ctx, access)
    return JSONResponse(body)


async def proposal_history(request: Request) -> Response:
    """summary: Earlier versions of a proposal's text, oldest first
    responses:
      200: {items: [{version, title, summary, problem, solution, legal_basis, impact,
        written_at, replaced_at, editor_id}], next: null}
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        revisions = await proposals.proposal_history(ctx, proposal_id)
    items = [
        {
            "version": r.version,
            "title": r.title,
            "summary": r.summary,
            "problem": r.problem,
            "solution": r.solution,
            "legal_basis": {"act": r.legal_act, "article": r.legal_article},
            "impact": r.impact,
            "written_at": r.written_at.isoformat(),
            "replaced_at": r.replaced_at.isoformat(),
            "editor_id": r.editor_id,
        }
        for r in revisions
    ]
    return JSONResponse({"items": items, "next": None})


async def _list(request: Request, *, queue: bool) -> Response:
    signed_in(request)
    limit = limit_of(request, proposals.PAGE, proposals.MAX_PAGE)
    cursor = query_id(request, "cursor")
    async with action(request) as ctx:
        page, next_id = await proposals.list_proposals(
            ctx,
            request.path_params["slug"],
            status=request.query_params.get("status") or None,
            before=cursor,
            limit=limit,
            queue=queue,
        )
    items = [proposals.proposal_public(a) for a in page]
    return JSONResponse({"items": items, "next": str(next_id) if next_id else None})


async def list_proposals(request: Request) -> Response:
    """summary: A network's proposals, newest first; drafts only the caller's own
    parameters: status (draft|submitted|changes_requested|approved|rejected|merged|voting|
      passed|failed|withdrawn), cursor, limit (1-100)
    responses:
      200: {items: [proposal], next}
      404: no such network, or the caller may not read it
    """
    return await _list(request, queue=False)


async def review_queue(request: Request) -> Response:
    """summary: Submitted proposals waiting for the coordinator's review, oldest first
    parameters: cursor, limit (1-100)
    responses:
      200: {items: [proposal], next}
      403: not the network's coordinator
    """
    return await _list(request, queue=True)


async def submit_proposal(request: Request) -> Response:
    """summary: Submit a draft, or a proposal with requested changes, for review (its authors)
    responses:
      200: the proposal, status `submitted`; the first submission opens its discussion thread
      403: not one of its authors
      409: not a draft nor waiting for changes (the message names its state)
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await _full(ctx, await review.do_submit(ctx, proposal_id))
    return JSONResponse(body)


async def withdraw_proposal(request: Request) -> Response:
    """summary: Withdraw a proposal before any vote (its authors)
    requestBody: {note?}
    responses:
      200: the proposal, status `withdrawn`
      403: not one of its authors
      409: already voted on, decided or withdrawn (the message names its state)
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await read_json(request)
    note = string(data, "note")
    async with action(request) as ctx:
        body = await _full(ctx, await review.do_withdraw(ctx, proposal_id, note=note))
    return JSONResponse(body)


async def review_proposal(request: Request) -> Response:
    """summary: The coordinator's review of a submitted proposal
    requestBody: {action: approve|request_changes|reject|merge, note?, into?}
    responses:
      200: the proposal, status `approved`, `changes_requested`, `rejected` or `merged`
      403: not the network's coordinator
      409: not waiting for review (the message names its state)
      422: unknown action, no note for request_changes or reject, no valid `into` for merge
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await read_json(request)
    choice, note, into = string(data, "action"), string(data, "note"), optional_id(data, "into")
    async with action(request) as ctx:
        access = await review.do_review(ctx, proposal_id, action=choice, note=note, into=into)
        body = await _full(ctx, access)
    return JSONResponse(body)


async def invite_coauthor(request: Request) -> Response:
    """summary: Invite a member of the network to co-author (its authors, before a vote)
    requestBody: {user_id}
    responses:
      201: the proposal with the invitation
      200: already invited: nothing changed
      403: not one of its authors
      422: not a member of the network
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await read_json(request)
    user_id = optional_id(data, "user_id")
    if user_id is None:
        raise Invalid(N_("This field is required."), field="user_id")
    async with action(request) as ctx:
        access, created = await coauthors.do_invite_coauthor(ctx, proposal_id, user_id)
        body = await _full(ctx, access)
    return JSONResponse(body, status_code=201 if created else 200)


async def accept_coauthor(request: Request) -> Response:
    """summary: Accept an invitation to co-author (the invited member)
    responses:
      200: the proposal, the caller now among its authors
      404: no such proposal, or no invitation for the caller
    """
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await _full(ctx, await coauthors.do_accept_coauthor(ctx, proposal_id))
    return JSONResponse(body)


ROUTES = [
    Route("/networks/{slug}/proposals", list_proposals, methods=["GET"]),
    Route("/networks/{slug}/proposals", create_proposal, methods=["POST"]),
    Route("/networks/{slug}/review-queue", review_queue, methods=["GET"]),
    Route("/proposals/{proposal_id}", get_proposal, methods=["GET"]),
    Route("/proposals/{proposal_id}", edit_proposal, methods=["PATCH"]),
    Route("/proposals/{proposal_id}/history", proposal_history, methods=["GET"]),
    Route("/proposals/{proposal_id}/submit", submit_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/withdraw", withdraw_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/review", review_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors", invite_coauthor, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors/accept", accept_coauthor, methods=["POST"]),
]
