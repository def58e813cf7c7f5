"""The committee's JSON endpoints (ROUTES): the inbox, the discussion, starting the review, the
chair's decision, the follow-ups after adoption, and the timeline the proposals' networks see.

Each handler reads its input through its Spec, calls one action in one transaction and returns
the shapes the actions build. An initiative the caller may not see is 404; a step its state does
not allow is 409 naming the state.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from hub.actions import initiative_comments as comments
from hub.actions import initiative_decisions as decisions
from hub.models import Decision, FollowUpKind
from hub.models.committee_work import COMMENT_MAX, DECISION_NOTE_MAX, UPDATE_NOTE_MAX
from hub.reads import committee_inbox as inbox
from hub.reads import initiative_comments as comments_reads
from hub.reads import initiative_decisions as decisions_reads
from hub.reads.committee_inbox import Tab, inbox_item
from hub.reads.initiative_decisions import timeline_of
from hub.reads.initiatives import NO_INITIATIVE, access_initiative
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import page, ref
from hub.web.api.spec import NOT_BLANK, Field, Param, Spec
from hub.web.forms import Context

NOT_SEEN = "no such initiative, or the caller may not see it"
INITIATIVE_ID = ("initiative_id", NO_INITIATIVE)  # the path id of the initiative endpoints


INBOX = Spec(
    summary="The committee's inbox: initiatives addressed to it, newest first (its members)",
    description="`status` chooses the tab: `new` (compiling, failed or delivered), `in_review` "
    "or `decided` (adopted, returned, rejected); `counts` holds every tab's size.",
    query=(
        Param("status", choices=tuple(Tab), description="the tab (default `new`)"),
        Param("cursor", max_length=200, description="`next` of the previous page"),
        Param("limit", "int", minimum=1, maximum=inbox.MAX_PAGE, description="default 30"),
    ),
    responses={
        200: ("a page of the tab, and the counts", ref("Inbox")),
        403: "not a member of the committee",
        404: "no such committee",
    },
)


@api_action(INBOX)
async def committee_inbox(ctx: Context, call: Call) -> Any:
    found = await inbox.inbox(
        ctx,
        call.path("slug"),
        tab=call.query["status"] or Tab.NEW,
        cursor=call.query["cursor"],
        limit=call.query["limit"] or inbox.PAGE,
    )
    items = [inbox_item(i) for i in found.items]
    return {"items": items, "next": found.next, "counts": found.counts}


TIMELINE = Spec(
    summary="An initiative's status, decisions and follow-ups (its committee, the proposals' "
    "networks)",
    responses={200: ("the timeline", ref("InitiativeTimeline")), 404: NOT_SEEN},
)


@api_action(TIMELINE, id_from=INITIATIVE_ID)
async def initiative_timeline(ctx: Context, call: Call) -> Any:
    return await timeline_of(ctx, await access_initiative(ctx, call.id))


COMMENTS = Spec(
    summary="The committee's discussion of an initiative, oldest first (its members)",
    responses={
        200: ("the comments", page(ref("InitiativeComment"))),
        403: "a reader from the proposals' networks: the discussion is the committee's",
        404: NOT_SEEN,
    },
)


@api_action(COMMENTS, id_from=INITIATIVE_ID)
async def list_comments(ctx: Context, call: Call) -> Any:
    rows = await comments_reads.list_comments(ctx, call.id)
    return {"items": [comments_reads.comment_public(c, u) for c, u in rows], "next": None}


COMMENT = Spec(
    summary="Comment on an initiative (the committee's members); the first starts the review",
    body=(Field("body", required=True, max_length=COMMENT_MAX, pattern=NOT_BLANK),),
    responses={
        201: ("the comment, with `html` (sanitised Markdown)", ref("InitiativeComment")),
        403: "not a member of the committee",
        404: NOT_SEEN,
        409: "not awaiting a decision (the message names its state)",
        422: "an empty or over-long body",
    },
)


@api_action(COMMENT, status=201, id_from=INITIATIVE_ID)
async def create_comment(ctx: Context, call: Call) -> Any:
    comment = await comments.do_comment(ctx, call.id, body=call.data["body"])
    return comments_reads.comment_public(comment, ctx.actor)


START_REVIEW = Spec(
    summary="The chair starts the committee's review: delivered -> in_review",
    description="Already in review: nothing changes (200).",
    responses={
        200: ("the timeline", ref("InitiativeTimeline")),
        403: "not the committee's chair",
        404: NOT_SEEN,
        409: "not delivered nor in review (the message names its state)",
    },
)


@api_action(START_REVIEW, id_from=INITIATIVE_ID)
async def start_review(ctx: Context, call: Call) -> Any:
    return await timeline_of(ctx, await decisions.do_start_review(ctx, call.id))


DECIDE = Spec(
    summary="The chair's decision: adopt, return with remarks, or reject",
    description="`return` and `reject` need a `note` (the remarks, the reason). A returned "
    "initiative goes back to the networks' coordinators; an adopted one enters the public "
    "archive.",
    body=(
        Field("decision", required=True, choices=tuple(Decision)),
        Field("note", max_length=DECISION_NOTE_MAX, description="remarks or a reason"),
    ),
    responses={
        200: ("the timeline with the decision", ref("InitiativeTimeline")),
        403: "not the committee's chair",
        404: NOT_SEEN,
        409: "already decided, or not yet compiled (the message names its state)",
        422: "an unknown decision, no note for return or reject, an over-long note",
    },
)


@api_action(DECIDE, id_from=INITIATIVE_ID)
async def decide(ctx: Context, call: Call) -> Any:
    data = call.data
    await decisions.do_decide(ctx, call.id, decision=data["decision"], note=data["note"])
    return await timeline_of(ctx, await access_initiative(ctx, call.id))


FOLLOW_UP = Spec(
    summary="Record what became of an adopted initiative (the chair, admins)",
    body=(
        Field("kind", required=True, choices=tuple(FollowUpKind)),
        Field("note", required=True, max_length=UPDATE_NOTE_MAX, pattern=NOT_BLANK),
        Field("date", required=True, max_length=10, example="2026-12-01", description="YYYY-MM-DD"),
    ),
    responses={
        201: ("the follow-up", ref("FollowUp")),
        403: "not the committee's chair",
        404: NOT_SEEN,
        409: "not adopted (the message names its state)",
        422: "an unknown kind, an empty or over-long note, a date not YYYY-MM-DD or in the future",
    },
)


@api_action(FOLLOW_UP, status=201, id_from=INITIATIVE_ID)
async def follow_up(ctx: Context, call: Call) -> Any:
    data = call.data
    row = await decisions.do_follow_up(
        ctx, call.id, kind=data["kind"], note=data["note"], date=data["date"]
    )
    return decisions_reads.follow_up_public(row)


ROUTES = [
    Route("/committees/{slug}/initiatives", committee_inbox, methods=["GET"]),
    Route("/initiatives/{initiative_id}/timeline", initiative_timeline, methods=["GET"]),
    Route("/initiatives/{initiative_id}/comments", list_comments, methods=["GET"]),
    Route("/initiatives/{initiative_id}/comments", create_comment, methods=["POST"]),
    Route("/initiatives/{initiative_id}/review", start_review, methods=["POST"]),
    Route("/initiatives/{initiative_id}/decision", decide, methods=["POST"]),
    Route("/initiatives/{initiative_id}/updates", follow_up, methods=["POST"]),
]
