"""The votes' JSON endpoints (ROUTES): open and close a vote (the coordinator), cast or change a
ballot (the electors), read the tally, one's own ballot, who has voted and, on open ballots,
who voted what. The actions are in hub.actions.votes and hub.actions.vote_read; a read of a
vote past its closing time closes it first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import vote_cast, vote_read, votes
from hub.actions.errors import N_
from hub.models.votes import REASON_MAX, BallotKind, Choice, Counting
from hub.web.api.board_common import signed_in
from hub.web.api.proposals import CURSOR, proposal_detail
from hub.web.api.shapes import page, ref
from hub.web.api.spec import Field, Param, Spec
from hub.web.forms import action, path_id

NO_PROPOSAL = N_("No such proposal.")
TALLY = ref("Tally")
DETAIL = ref("ProposalDetail")
READERS_404 = "no such proposal, a draft of others, or no vote on it"
Lister = Callable[..., Awaitable[tuple[list[dict[str, object]], int | None]]]

OPEN = Spec(
    summary="Open the vote on an approved proposal (the network's coordinator)",
    description="The electorate is frozen now: every member of the network (coordinators "
    "included) with the local government their account names. The rules never change after.",
    body=(
        Field(
            "closes_at",
            required=True,
            format="date-time",
            max_length=40,
            description="when the vote closes: in the future, at most a year ahead, with a "
            "time zone",
            example="2027-03-01T12:00:00+01:00",
        ),
        Field(
            "quorum",
            "int",
            required=True,
            minimum=0,
            maximum=100,
            description="percent of the electorate that must take part",
        ),
        Field(
            "threshold",
            "int",
            required=True,
            minimum=50,
            maximum=100,
            description="percent of yes among yes and no needed (and more yes than no)",
        ),
        Field("counting", choices=tuple(Counting), description="default `member`"),
        Field("ballot", choices=tuple(BallotKind), description="default `open`"),
    ),
    responses={
        201: ("the proposal, status `voting`, with its `vote` (rules and tally)", DETAIL),
        403: "not the network's coordinator",
        404: "no such proposal, or a draft of others",
        409: "not approved (the message names its state)",
        422: "a field out of range (named in `field`); counting per municipality in a network "
        "whose members have no local government",
    },
)


@OPEN
async def open_vote(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await OPEN.read(request)
    async with action(request) as ctx:
        access, _vote = await votes.do_open_vote(
            ctx,
            proposal_id,
            closes_at=data["closes_at"],
            quorum=data["quorum"],
            threshold=data["threshold"],
            counting=data["counting"] or Counting.MEMBER,
            ballot=data["ballot"] or BallotKind.OPEN,
        )
        body = await proposal_detail(ctx, access)
    return JSONResponse(body, status_code=201)


@Spec(
    summary="Close the vote now (the network's coordinator); the result is frozen",
    responses={
        200: (
            "the proposal, status `passed` or `failed`, with its `vote` (the frozen result)",
            DETAIL,
        ),
        403: "not the network's coordinator",
        404: "no such proposal, or a draft of others",
        409: "no vote open on it (the message names the proposal's state)",
    },
)
async def close_vote(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        access, _vote = await votes.do_close_vote(ctx, proposal_id)
        body = await proposal_detail(ctx, access)
    return JSONResponse(body)


CAST = Spec(
    summary="Cast or change the caller's ballot (electors, while the vote is open)",
    description="One ballot per person: sending again replaces the choice and the reason.",
    body=(
        Field("choice", required=True, choices=tuple(Choice)),
        Field(
            "reason", max_length=REASON_MAX, description="optional; never shown on a secret ballot"
        ),
    ),
    responses={
        200: ("the caller's ballot", ref("Ballot")),
        403: "not in the vote's electorate (joined after it opened), or no longer a member",
        404: "no such proposal, or a draft of others",
        409: "no vote open on it: not yet voted on, or closed (the message names the state)",
        422: "an unknown choice, an over-long reason",
        429: "voting too fast; `Retry-After` says how long to wait",
    },
)


@CAST
async def cast(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await CAST.read(request)
    async with action(request) as ctx:
        ballot = await vote_cast.do_cast(ctx, proposal_id, data["choice"], data["reason"] or "")
        body = vote_read.ballot_public(ballot)
    return JSONResponse(body)


@Spec(
    summary="The caller's own ballot, or null",
    responses={
        200: ("the ballot, or null", {"anyOf": [ref("Ballot"), {"type": "null"}]}),
        404: READERS_404,
    },
)
async def my_ballot(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await vote_read.read_my_ballot(ctx, proposal_id)
    return JSONResponse(body)


@Spec(
    summary="The vote's tally: turnout, quorum, the figures (a secret ballot's only after the "
    "close), time left",
    responses={200: ("the tally", TALLY), 404: READERS_404},
)
async def tally(request: Request) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        body = await vote_read.read_tally(ctx, proposal_id)
    return JSONResponse(body)


LIMIT = Param(
    "limit",
    "int",
    minimum=1,
    maximum=vote_read.MAX_PAGE,
    message=N_("Between 1 and %(max)d, please."),
    description=f"items per page (default {vote_read.PAGE})",
)
VOTERS = Spec(
    summary="Who has voted, in the order of their first ballot (open and secret ballots)",
    query=(CURSOR, LIMIT),
    responses={
        200: ("who has voted", page(ref("Voter"))),
        404: READERS_404,
        422: "a cursor that is not valid, a limit out of range",
    },
)
BALLOTS = Spec(
    summary="Who voted what, with their reasons (open ballots only)",
    query=(CURSOR, LIMIT),
    responses={
        200: ("the ballots", page(ref("PublicBallot"))),
        403: "a secret ballot: its choices are shown to no one",
        404: READERS_404,
        422: "a cursor that is not valid, a limit out of range",
    },
)


async def _page(request: Request, spec: Spec, lister: Lister) -> Response:
    signed_in(request)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    query = spec.params(request)
    async with action(request) as ctx:
        items, after = await lister(
            ctx, proposal_id, after=query["cursor"], limit=query["limit"] or vote_read.PAGE
        )
    return JSONResponse({"items": items, "next": str(after) if after else None})


@VOTERS
async def voters(request: Request) -> Response:
    return await _page(request, VOTERS, vote_read.list_voters)


@BALLOTS
async def ballots(request: Request) -> Response:
    return await _page(request, BALLOTS, vote_read.list_ballots)


ROUTES = [
    Route("/proposals/{proposal_id}/voting", open_vote, methods=["POST"]),
    Route("/proposals/{proposal_id}/voting/close", close_vote, methods=["POST"]),
    Route("/proposals/{proposal_id}/vote", cast, methods=["PUT"]),
    Route("/proposals/{proposal_id}/vote", my_ballot, methods=["GET"]),
    Route("/proposals/{proposal_id}/tally", tally, methods=["GET"]),
    Route("/proposals/{proposal_id}/votes", ballots, methods=["GET"]),
    Route("/proposals/{proposal_id}/voters", voters, methods=["GET"]),
]
