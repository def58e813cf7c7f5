"""The proposals' moves as JSON endpoints (ROUTES): submit and withdraw, the coordinator's
review, inviting and accepting co-authors. Each answers with the proposal as
hub.web.api.proposals.proposal_detail shapes it; a move the state does not allow is 409 naming
the state.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import proposal_coauthors as coauthors
from hub.actions import proposal_review as review
from hub.actions.proposal_states import REVIEW_MOVES
from hub.web.api.board_common import signed_in
from hub.web.api.proposals import BY_AUTHORS, DETAIL, NO_PROPOSAL, NOTE, proposal_detail
from hub.web.api.spec import Field, Spec
from hub.web.forms import action, path_id


@Spec(
    summary="Submit a draft, or a proposal with requested changes, for review (its authors)",
    responses={
        200: (
            "the proposal, status `submitted`; the first submission opens its discussion thread",
            DETAIL,
        ),
        **BY_AUTHORS,
        404: "no such proposal, or a draft of others",
        409: "not a draft nor waiting for changes (the message names its state)",
    },
)
async def submit_proposal(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await proposal_detail(ctx, await review.do_submit(ctx, proposal_id))
    return JSONResponse(body)


WITHDRAW = Spec(
    summary="Withdraw a proposal before any vote (its authors)",
    body=(NOTE,),
    responses={
        200: ("the proposal, status `withdrawn`", DETAIL),
        **BY_AUTHORS,
        404: "no such proposal, or a draft of others",
        409: "already voted on, decided or withdrawn (the message names its state)",
        422: "an over-long note",
    },
)


@WITHDRAW
async def withdraw_proposal(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await WITHDRAW.read(request)
    async with action(request) as ctx:
        body = await proposal_detail(
            ctx, await review.do_withdraw(ctx, proposal_id, note=data["note"])
        )
    return JSONResponse(body)


REVIEW = Spec(
    summary="The coordinator's review of a submitted proposal",
    description="`request_changes` and `reject` need a `note`; `merge` needs `into`, another "
    "live proposal of the same network, which gains the duplicate's authors.",
    body=(
        Field("action", required=True, choices=tuple(m.value for m in REVIEW_MOVES)),
        NOTE,
        Field("into", "id", description="for `merge`: the proposal this one duplicates"),
    ),
    responses={
        200: (
            "the proposal, status `approved`, `changes_requested`, `rejected` or `merged`",
            DETAIL,
        ),
        403: "not the network's coordinator",
        404: "no such proposal, or a draft of others",
        409: "not waiting for review (the message names its state)",
        422: "unknown action, no note for request_changes or reject, no valid `into` for merge",
    },
)


@REVIEW
async def review_proposal(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await REVIEW.read(request)
    async with action(request) as ctx:
        access = await review.do_review(
            ctx, proposal_id, action=data["action"], note=data["note"], into=data["into"]
        )
        body = await proposal_detail(ctx, access)
    return JSONResponse(body)


INVITE = Spec(
    summary="Invite a member of the network to co-author (its authors, before a vote)",
    body=(Field("user_id", "id", required=True, description="a member of the network"),),
    responses={
        201: ("the proposal with the invitation", DETAIL),
        200: ("already invited: nothing changed", DETAIL),
        **BY_AUTHORS,
        404: "no such proposal, or a draft of others",
        409: "no longer open to new authors (the message names its state)",
        422: "not a member of the network",
    },
)


@INVITE
async def invite_coauthor(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await INVITE.read(request)
    async with action(request) as ctx:
        access, created = await coauthors.do_invite_coauthor(ctx, proposal_id, data["user_id"])
        body = await proposal_detail(ctx, access)
    return JSONResponse(body, status_code=201 if created else 200)


@Spec(
    summary="Accept an invitation to co-author (the invited member)",
    responses={
        200: ("the proposal, the caller now among its authors", DETAIL),
        404: "no such proposal, or no invitation for the caller",
    },
)
async def accept_coauthor(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await proposal_detail(ctx, await coauthors.do_accept_coauthor(ctx, proposal_id))
    return JSONResponse(body)


ROUTES = [
    Route("/proposals/{proposal_id}/submit", submit_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/withdraw", withdraw_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/review", review_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors", invite_coauthor, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors/accept", accept_coauthor, methods=["POST"]),
]
