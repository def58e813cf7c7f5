"""The proposals' moves as JSON endpoints (ROUTES): submit and withdraw, the coordinator's
review, inviting and accepting co-authors. Each answers with the proposal as
hub.web.api.proposals.proposal_detail shapes it; a move the state does not allow is 409 naming
the state.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.actions import proposal_coauthors as coauthors
from hub.actions import proposal_review as review
from hub.actions.proposal_states import REVIEW_MOVES
from hub.web.api.handler import Call, api_action
from hub.web.api.proposals import BY_AUTHORS, DETAIL, NOTE, PROPOSAL_ID, proposal_detail
from hub.web.api.spec import Field, Spec
from hub.web.forms import Context

SUBMIT = Spec(
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


@api_action(SUBMIT, id_from=PROPOSAL_ID)
async def submit_proposal(ctx: Context, call: Call) -> Any:
    return await proposal_detail(ctx, await review.do_submit(ctx, call.id))


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


@api_action(WITHDRAW, id_from=PROPOSAL_ID)
async def withdraw_proposal(ctx: Context, call: Call) -> Any:
    return await proposal_detail(
        ctx, await review.do_withdraw(ctx, call.id, note=call.data["note"])
    )


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


@api_action(REVIEW, id_from=PROPOSAL_ID)
async def review_proposal(ctx: Context, call: Call) -> Any:
    data = call.data
    access = await review.do_review(
        ctx, call.id, action=data["action"], note=data["note"], into=data["into"]
    )
    return await proposal_detail(ctx, access)


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


@api_action(INVITE, id_from=PROPOSAL_ID)
async def invite_coauthor(ctx: Context, call: Call) -> Any:
    access, created = await coauthors.do_invite_coauthor(ctx, call.id, call.data["user_id"])
    body = await proposal_detail(ctx, access)
    return JSONResponse(body, status_code=201 if created else 200)


ACCEPT = Spec(
    summary="Accept an invitation to co-author (the invited member)",
    responses={
        200: ("the proposal, the caller now among its authors", DETAIL),
        404: "no such proposal, or no invitation for the caller",
    },
)


@api_action(ACCEPT, id_from=PROPOSAL_ID)
async def accept_coauthor(ctx: Context, call: Call) -> Any:
    return await proposal_detail(ctx, await coauthors.do_accept_coauthor(ctx, call.id))


ROUTES = [
    Route("/proposals/{proposal_id}/submit", submit_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/withdraw", withdraw_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/review", review_proposal, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors", invite_coauthor, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors/accept", accept_coauthor, methods=["POST"]),
]
