"""The initiatives' JSON endpoints (ROUTES): make a joint one, read one, its documents, try a
failed compilation again; and a post's key mark (quoted in the documents' digest).

Who sees an initiative is hub.reads.initiatives.may_see (404 for anyone else). A document
asked for while its revision compiles is 409 with the progress in the message.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.actions import initiative_requests as requests
from hub.actions.errors import N_, NotFound
from hub.actions.key_posts import do_mark_key_post
from hub.models.initiatives import INITIATIVE_TITLE_MAX
from hub.reads.initiatives import (
    NO_INITIATIVE,
    access_initiative,
    document_content,
    document_formats,
    initiative_public,
)
from hub.web.api.board_common import signed_in
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import ref
from hub.web.api.spec import Field, Param, Spec
from hub.web.forms import Context, action, path_id

INITIATIVE = ref("Initiative")
ID = Param("initiative_id", "int", minimum=1, example=1)
INITIATIVE_ID = ("initiative_id", NO_INITIATIVE)
VISIBLE = "no such initiative, or the caller is neither on its committee nor in its networks"
MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

CREATE = Spec(
    summary="Make a (joint) initiative of passed proposals, addressed to a committee",
    description="The compilation runs in the background: the answer is 202 with status "
    "`compiling`; `initiative.progress` events on `initiative:<id>` follow it. A proposal in "
    "an initiative that is only `delivered` or `failed` is taken over (that one becomes "
    "`superseded`).",
    body=(
        Field("proposal_ids", "ids", required=True, max_items=20, example=[1]),
        Field("committee", required=True, max_length=80, example="zdravlje-i-socijalna-zastita"),
        Field("title", max_length=INITIATIVE_TITLE_MAX, description="default: the titles"),
        Field(
            "language",
            choices=("sr-Latn", "sr-Cyrl", "en"),
            description="of the document; default sr-Latn",
        ),
    ),
    responses={
        202: ("the initiative, status `compiling`", INITIATIVE),
        403: "neither the committee's chair nor the proposals' networks' coordinator",
        404: "no such committee or proposal (or one the caller may not read)",
        409: "a proposal has not passed, or is in an initiative the committee has taken up",
        422: "no proposals, proposals of another committee's networks, a bad field",
    },
)


@api_action(CREATE, status=202)
async def create_initiative(ctx: Context, call: Call) -> Any:
    data = call.data
    access = await requests.do_create_initiative(
        ctx,
        data["proposal_ids"] or [],
        data["committee"],
        title=data["title"],
        language=data["language"],
    )
    return initiative_public(access, [])


GET = Spec(
    summary="One initiative: number, status, committee, proposals, its revision and documents",
    path=(ID,),
    responses={200: ("the initiative", INITIATIVE), 404: VISIBLE},
)


@api_action(GET, id_from=INITIATIVE_ID)
async def get_initiative(ctx: Context, call: Call) -> Any:
    access = await access_initiative(ctx, call.id)
    return initiative_public(access, await document_formats(ctx, access.revision))


@Spec(
    summary="The initiative's document (HTML, PDF or DOCX) of its current revision",
    path=(ID, Param("fmt", choices=("html", "pdf", "docx"), example="pdf")),
    responses={
        200: "the document (Content-Disposition names the file)",
        404: VISIBLE + "; or a format that was never compiled",
        409: "the revision is still compiling (the message gives its progress) or failed",
    },
)
async def initiative_document(request: Request) -> Response:
    signed_in(request)
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    fmt = request.path_params["fmt"]
    if fmt not in MEDIA:
        raise NotFound(N_("No such document."))
    async with action(request) as ctx:
        access = await access_initiative(ctx, initiative_id)
        content = await document_content(ctx, access, fmt)
    name = f"{access.initiative.number}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


RETRY = Spec(
    summary="Compile a failed initiative again (the committee's chair, the coordinators)",
    path=(ID,),
    responses={
        202: ("the initiative, status `compiling` again", INITIATIVE),
        403: "neither the committee's chair nor a coordinator of its networks",
        404: VISIBLE,
        409: "its compilation has not failed (the message names its state)",
    },
)


@api_action(RETRY, status=202, id_from=INITIATIVE_ID)
async def retry_initiative(ctx: Context, call: Call) -> Any:
    return initiative_public(await requests.do_retry_initiative(ctx, call.id), [])


KEY = Spec(
    summary="Mark a post as key to its discussion, or take the mark back (coordinators)",
    description="Key posts are quoted in the discussion digest of initiatives.",
    path=(Param("post_id", "int", minimum=1, example=3),),
    body=(Field("key", "bool", description="true to mark (the default), false to unmark"),),
    responses={
        200: ("whether the post is now key, and whether that changed", ref("KeyMark")),
        403: "not a coordinator of the post's network",
        404: "no such post, or one the caller may not read",
    },
)


@api_action(KEY, id_from=("post_id", N_("No such post.")))
async def mark_key_post(ctx: Context, call: Call) -> Any:
    key = call.data["key"] is not False
    changed = await do_mark_key_post(ctx, call.id, key)
    return {"post_id": call.id, "key": key, "changed": changed}


ROUTES = [
    Route("/initiatives", create_initiative, methods=["POST"]),
    Route("/initiatives/{initiative_id}", get_initiative, methods=["GET"]),
    Route("/initiatives/{initiative_id}/document.{fmt}", initiative_document, methods=["GET"]),
    Route("/initiatives/{initiative_id}/retry", retry_initiative, methods=["POST"]),
    Route("/posts/{post_id}/key", mark_key_post, methods=["POST"]),
]
