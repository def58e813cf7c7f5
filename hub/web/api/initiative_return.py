"""A returned initiative's endpoints (ROUTES): the coordinators revise its proposals and have it
compiled again as the next revision; anyone who reads it sees the difference between revisions.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import initiative_return as returned
from hub.reads import initiative_revisions as revisions
from hub.reads.initiatives import NO_INITIATIVE, document_formats, initiative_public
from hub.reads.proposals import NO_PROPOSAL
from hub.web.api.board_common import signed_in
from hub.web.api.handler import Call, api_action
from hub.web.api.proposals import _text, _text_fields
from hub.web.api.shapes import ref
from hub.web.api.spec import Param, Spec
from hub.web.forms import Context, action, path_id

NOT_SEEN = "no such initiative, or the caller may not see it"
BY_COORDINATORS = "not a coordinator of the proposal's network"
INITIATIVE_ID = ("initiative_id", NO_INITIATIVE)

REVISE = Spec(
    summary="Revise a proposal of a returned initiative (its network's coordinators)",
    description="Fields left out stay as they are; the replaced text is kept in the proposal's "
    "history. Then `POST /initiatives/{id}/recompile` makes the next revision.",
    body=_text_fields(required=False),
    responses={
        200: ("the proposal's id and its new version", ref("Revised")),
        403: BY_COORDINATORS,
        404: NOT_SEEN,
        409: "not returned (the message names its state)",
        422: "a blank or over-long field, a proposal not in this initiative",
    },
)


@REVISE
async def revise(request: Request) -> Response:
    signed_in(request)
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    data = await REVISE.read(request)
    async with action(request) as ctx:
        proposal = await returned.do_revise(ctx, initiative_id, proposal_id, _text(data))
    return JSONResponse({"proposal_id": proposal.id, "version": proposal.version})


RECOMPILE = Spec(
    summary="Compile a returned initiative again, as its next revision (its coordinators)",
    responses={
        202: "the initiative, status `compiling`, its new revision linked to the one before",
        403: BY_COORDINATORS,
        404: NOT_SEEN,
        409: "not returned (the message names its state)",
    },
)


@api_action(RECOMPILE, status=202, id_from=INITIATIVE_ID)
async def recompile(ctx: Context, call: Call) -> Any:
    access = await returned.do_recompile(ctx, call.id)
    return initiative_public(access, await document_formats(ctx, access.revision))


DIFF = Spec(
    summary="What changed between two revisions of an initiative, section by section",
    description="Default: the current revision against the one before. Each section's "
    "`segments` are `[op, text]` with op `equal`, `delete` or `insert`.",
    query=(
        Param("from", "int", minimum=1, maximum=1000, description="the older revision"),
        Param("to", "int", minimum=1, maximum=1000, description="the newer revision"),
    ),
    responses={
        200: ("the sections", ref("RevisionDiff")),
        404: NOT_SEEN,
        422: "no such pair of revisions",
    },
)


@api_action(DIFF, id_from=INITIATIVE_ID)
async def diff(ctx: Context, call: Call) -> Any:
    _access, old, new, sections = await revisions.revision_diff(
        ctx, call.id, call.query["from"], call.query["to"]
    )
    items = [
        {
            "proposal_id": s.proposal_id,
            "section": s.section,
            "changed": s.changed,
            "segments": [list(seg) for seg in s.segments],
        }
        for s in sections
    ]
    return {"from": old, "to": new, "sections": items}


ROUTES = [
    Route("/initiatives/{initiative_id}/proposals/{proposal_id}/revise", revise, methods=["POST"]),
    Route("/initiatives/{initiative_id}/recompile", recompile, methods=["POST"]),
    Route("/initiatives/{initiative_id}/diff", diff, methods=["GET"]),
]
