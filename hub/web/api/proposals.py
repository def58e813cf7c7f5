"""The proposals' JSON endpoints (ROUTES): write and edit, the coordinator's queue, reading and
listing (co-authors, submit and withdraw, the review: hub.web.api.proposal_moves).

Each handler reads its input through its Spec (hub.web.api.spec), calls one action in one
transaction and returns the proposal as hub.reads.proposals.proposal_public shapes it. A draft
of someone else is 404, like a proposal that does not exist; a move the state does not allow is
409 naming the state.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from hub.actions import proposals, vote_read
from hub.actions.errors import N_
from hub.actions.proposal_text import ProposalText
from hub.models.proposals import (
    LEGAL_ACT_MAX,
    LEGAL_ARTICLE_MAX,
    NOTE_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    ProposalStatus,
)
from hub.reads import proposal_lists as proposal_reads
from hub.reads import proposals as proposals_reads
from hub.reads.proposals import ProposalAccess
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import page, ref
from hub.web.api.spec import NOT_BLANK, Field, Param, Spec
from hub.web.forms import Context

NO_PROPOSAL = N_("No such proposal.")
PROPOSAL_ID = ("proposal_id", NO_PROPOSAL)  # the path id of the proposal endpoints
LEGAL_BASIS = N_("Give the legal basis as {act, article}: the law or by-law and its article.")
DETAIL = ref("ProposalDetail")


def _text_fields(required: bool) -> tuple[Field, ...]:
    """The proposal's text: all but the article required when writing, all optional (None
    leaves a field as it is) when editing."""

    def line(name: str, max_length: int, example: str) -> Field:
        return Field(
            name, required=required, max_length=max_length, pattern=NOT_BLANK, example=example
        )

    return (
        line("title", TITLE_MAX, "Jedinstveni registar komunalnih taksi"),
        line("summary", SUMMARY_MAX, "Jedan javni registar taksi za sve opštine."),
        line("problem", TEXT_MAX, "Svaka opština vodi svoj spisak."),
        line("solution", TEXT_MAX, "Republički registar koji opštine pune."),
        Field(
            "legal_basis",
            "object",
            required=required,
            blank=LEGAL_BASIS,
            description="the law or by-law (`act`) and its article",
            parts=(
                line("act", LEGAL_ACT_MAX, "Zakon o finansiranju lokalne samouprave"),
                Field("article", max_length=LEGAL_ARTICLE_MAX, example="član 15"),
            ),
        ),
        line("impact", TEXT_MAX, "Manje posla za privredu."),
    )


def _text(data: dict[str, Any]) -> ProposalText:
    basis = data["legal_basis"] or {}
    return ProposalText(
        title=data["title"],
        summary=data["summary"],
        problem=data["problem"],
        solution=data["solution"],
        legal_act=basis.get("act"),
        legal_article=basis.get("article"),
        impact=data["impact"],
    )


NOTE = Field("note", max_length=NOTE_MAX, description="a reason, shown in the timeline")
BY_AUTHORS = {403: "not one of its authors"}


async def proposal_detail(ctx: Context, access: ProposalAccess) -> dict[str, Any]:
    """The proposal with its timeline, the duplicates merged into it and its vote (the rules
    and the tally; null before a vote)."""
    vote = await vote_read.vote_summary(ctx, access)
    if vote is not None and vote["status"] == "closed" and access.proposal.status == "voting":
        # this read closed a due vote: show the proposal as the close left it
        access = await proposals_reads.access_proposal(ctx, access.proposal.id or 0)
    body = proposals_reads.proposal_public(access)
    body["timeline"] = [
        {
            **proposals_reads.transition_public(row),
            "actor": {"id": u.id, "name": u.name} if u else None,
        }
        for row, u in await proposal_reads.timeline(ctx, access)
    ]
    body["merged_from"] = await proposal_reads.merged_from(ctx, access)
    body["vote"] = vote
    return body


CREATE = Spec(
    summary="Write a proposal in a network (members); it starts as a draft only its authors see",
    body=(
        *_text_fields(required=True),
        Field("coauthors", "ids", description="members of the network invited to co-author"),
    ),
    responses={
        201: ("the proposal, status `draft`", DETAIL),
        403: "not a member of the network",
        404: "no such network, or the caller may not read it",
        422: "a missing or over-long field (named in `field`), a co-author who is not a member",
    },
)


@api_action(CREATE, status=201)
async def create_proposal(ctx: Context, call: Call) -> Any:
    access = await proposals.do_create_proposal(
        ctx, call.path("slug"), _text(call.data), coauthor_ids=call.data["coauthors"] or []
    )
    return await proposal_detail(ctx, access)


GET = Spec(
    summary="One proposal with its authors, timeline and the duplicates merged into it",
    responses={
        200: ("the proposal", DETAIL),
        404: "no such proposal, a draft of others, or a network the caller may not read",
    },
)


@api_action(GET, id_from=PROPOSAL_ID)
async def get_proposal(ctx: Context, call: Call) -> Any:
    return await proposal_detail(ctx, await proposals_reads.access_proposal(ctx, call.id))


EDIT = Spec(
    summary="Edit a proposal's text while it is a draft or changes were requested (its authors)",
    description="Fields left out stay as they are. `version`, when given, must be the current "
    "one (else 409), so that two authors editing at once do not overwrite each other.",
    body=(
        *_text_fields(required=False),
        Field("version", "id", description="the version the edit was made on"),
    ),
    responses={
        200: ("the proposal; the earlier text is kept in its history", DETAIL),
        **BY_AUTHORS,
        404: "no such proposal, or a draft of others",
        409: "not editable in its state, or `version` is no longer the current one",
        422: "a blank or over-long field",
    },
)


@api_action(EDIT, id_from=PROPOSAL_ID)
async def edit_proposal(ctx: Context, call: Call) -> Any:
    access = await proposals.do_edit_proposal(
        ctx, call.id, _text(call.data), version=call.data["version"]
    )
    return await proposal_detail(ctx, access)


HISTORY = Spec(
    summary="Earlier versions of a proposal's text, oldest first",
    responses={
        200: ("the earlier versions", page(ref("ProposalRevision"))),
        404: "no such proposal, or a draft of others",
    },
)


@api_action(HISTORY, id_from=PROPOSAL_ID)
async def proposal_history(ctx: Context, call: Call) -> Any:
    revisions = await proposal_reads.proposal_history(ctx, call.id)
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
    return {"items": items, "next": None}


def _limit() -> Param:
    return Param(
        "limit",
        "int",
        minimum=1,
        maximum=proposals_reads.MAX_PAGE,
        message=N_("Between 1 and %(max)d, please."),
        description=f"items per page (default {proposals_reads.PAGE})",
    )


CURSOR = Param(
    "cursor",
    "int",
    minimum=1,
    message=N_("The page cursor is not valid."),
    description="`next` of the previous page",
)
LIST = Spec(
    summary="A network's proposals, newest first; drafts only the caller's own",
    query=(
        Param("status", choices=("", *(s.value for s in ProposalStatus))),
        CURSOR,
        _limit(),
    ),
    responses={
        200: ("the proposals", page(ref("Proposal"))),
        404: "no such network, or the caller may not read it",
        422: "an unknown status, a cursor that is not valid, a limit out of range",
    },
)
QUEUE = Spec(
    summary="Submitted proposals waiting for the coordinator's review, oldest first",
    query=(CURSOR, _limit()),
    responses={
        200: ("the proposals waiting for review", page(ref("Proposal"))),
        403: "not the network's coordinator",
        404: "no such network, or the caller may not read it",
        422: "a cursor that is not valid, a limit out of range",
    },
)


async def _list(ctx: Context, call: Call, *, queue: bool) -> dict[str, Any]:
    page_, next_id = await proposal_reads.list_proposals(
        ctx,
        call.path("slug"),
        status=call.query.get("status") or None,
        before=call.query["cursor"],
        limit=call.query["limit"] or proposals_reads.PAGE,
        queue=queue,
    )
    items = [proposals_reads.proposal_public(a) for a in page_]
    return {"items": items, "next": str(next_id) if next_id else None}


@api_action(LIST)
async def list_proposals(ctx: Context, call: Call) -> Any:
    return await _list(ctx, call, queue=False)


@api_action(QUEUE)
async def review_queue(ctx: Context, call: Call) -> Any:
    return await _list(ctx, call, queue=True)


ROUTES = [
    Route("/networks/{slug}/proposals", list_proposals, methods=["GET"]),
    Route("/networks/{slug}/proposals", create_proposal, methods=["POST"]),
    Route("/networks/{slug}/review-queue", review_queue, methods=["GET"]),
    Route("/proposals/{proposal_id}", get_proposal, methods=["GET"]),
    Route("/proposals/{proposal_id}", edit_proposal, methods=["PATCH"]),
    Route("/proposals/{proposal_id}/history", proposal_history, methods=["GET"]),
]
