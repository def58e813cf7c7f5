"""The boards' JSON endpoints (ROUTES): threads, posts and files here; reactions, flags and
coordinators' acts in board_moderation; search and @mention completion in board_lookup.

Each handler parses, calls one action in one transaction, and returns the Public shape
(hub.reads.threads.thread_public, hub.reads.posts.post_public). Every endpoint needs a
signed-in caller (401); what they may not read is 404, what they may read but not do is 403.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.actions import attachments, post_changes, posts, threads
from hub.actions.attachments import MAX_ATTACHMENTS_PER_POST
from hub.actions.errors import N_, Invalid
from hub.ids import MAX_ID
from hub.models.threads import BODY_MAX, TITLE_MAX
from hub.permissions import Action
from hub.reads import bodies
from hub.reads import posts as posts_reads
from hub.reads import threads as threads_reads
from hub.web.api import board_lookup as lookup
from hub.web.api import board_moderation as moderate
from hub.web.api.board_common import POST_ID, THREAD_ID, post_json, signed_in
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import page, ref
from hub.web.api.spec import NOT_BLANK, Field, Param, Spec
from hub.web.forms import Context, action, read_upload_form
from hub.web.json_input import UnsupportedMediaType

BODY = Field(
    "body",
    required=True,
    max_length=BODY_MAX,
    pattern=NOT_BLANK,
    blank=posts.BODY_REQUIRED,
    description="Markdown",
    example="Hvala, slažem se.",
)
ATTACHMENTS = Field(
    "attachments",
    "ids",
    max_items=MAX_ATTACHMENTS_PER_POST,
    description="ids of the caller's uploads (POST /attachments)",
)
POSTING = {
    403: "not a member of the network",
    429: "posting too fast; `Retry-After` says how long to wait",
}


def _limit(default: int, maximum: int) -> Param:
    return Param(
        "limit",
        "int",
        minimum=1,
        maximum=maximum,
        message=N_("Between 1 and %(max)d, please."),
        description=f"items per page (default {default})",
    )


LIST_THREADS = Spec(
    summary="Threads of a network's board, pinned first, then by last activity",
    query=(
        Param("filter", choices=("", "unanswered", "mine", "proposals")),
        Param("cursor", max_length=200, description="`next` of the previous page"),
        _limit(threads_reads.BOARD_PAGE, 100),
    ),
    responses={
        200: ("threads with the caller's `unread` count", page(ref("BoardThread"))),
        404: "no such network, or the caller may not read it",
        422: "an unknown filter, a cursor that is not valid, a limit out of range",
    },
)


@api_action(LIST_THREADS)
async def list_threads(ctx: Context, call: Call) -> Any:
    network = await bodies.access_network(ctx, call.path("slug"))
    found = await threads_reads.board(
        ctx,
        network,
        filter_=call.query["filter"] or "",
        cursor=call.query["cursor"] or None,
        limit=call.query["limit"] or threads_reads.BOARD_PAGE,
    )
    items = [
        {**threads_reads.thread_public(row.thread, network), "unread": row.unread}
        for row in found.rows
    ]
    return {"items": items, "next": found.next_cursor}


CREATE_THREAD = Spec(
    summary="Start a thread; its first post is `body` (members of the network)",
    body=(
        Field(
            "title",
            required=True,
            max_length=TITLE_MAX,
            pattern=NOT_BLANK,
            blank=threads.TITLE_REQUIRED,
            example="Pitanje",
        ),
        BODY,
        ATTACHMENTS,
    ),
    responses={
        201: ("the thread and its first post", ref("NewThread")),
        **POSTING,
        404: "no such network, or the caller may not read it",
        422: "an empty or over-long title or body, an unknown attachment",
    },
)


@api_action(CREATE_THREAD, status=201)
async def create_thread(ctx: Context, call: Call) -> Any:
    data = call.data
    thread, post = await threads.do_create_thread(
        ctx,
        call.path("slug"),
        title=data["title"],
        body=data["body"],
        attachment_ids=data["attachments"] or [],
    )
    network = (await threads_reads.access_thread(ctx, thread.id or 0))[1]
    views = await posts_reads.load_post_views(ctx, network, [post.id or 0])
    return {
        "thread": threads_reads.thread_public(thread, network),
        "post": posts_reads.post_public(views[0]),
    }


GET_THREAD = Spec(
    summary="One thread",
    responses={
        200: ("the thread", ref("Thread")),
        404: "no such thread, or the caller may not read it",
    },
)


@api_action(GET_THREAD, id_from=THREAD_ID)
async def get_thread(ctx: Context, call: Call) -> Any:
    thread, network = await threads_reads.access_thread(ctx, call.id)
    return threads_reads.thread_public(thread, network)


LIST_POSTS = Spec(
    summary="Posts of a thread, oldest first, after the post id `after` (0: from the start)",
    query=(
        Param("after", "int", message=N_("Not a valid id."), description="a post id, or 0"),
        _limit(threads_reads.WINDOW, threads_reads.MAX_WINDOW),
    ),
    responses={
        200: ("posts; `next` is the `after` of the next page", page(ref("Post"))),
        404: "no such thread, or the caller may not read it",
    },
)


@api_action(LIST_POSTS, id_from=THREAD_ID)
async def list_posts(ctx: Context, call: Call) -> Any:
    after, limit = call.query["after"] or 0, call.query["limit"] or threads_reads.WINDOW
    window = await threads_reads.thread_window(ctx, call.id, after=after, limit=limit)
    await threads.do_mark_thread_read(ctx, window)
    moderator = ctx.may(Action.MODERATE_NETWORK, window.network)
    items = [posts_reads.post_public(v, moderator=moderator) for v in window.posts]
    last = window.posts[-1].post.id if window.posts else None
    return {"items": items, "next": str(last) if window.has_after else None}


CREATE_POST = Spec(
    summary="Reply in a thread (members of its network)",
    body=(BODY, Field("reply_to", "id", description="the post replied to"), ATTACHMENTS),
    responses={
        201: ("the post with `html` (sanitised Markdown)", ref("Post")),
        **POSTING,
        404: "no such thread, or the caller may not read it",
        409: "the thread is locked",
        422: "an empty or over-long body, a reply to a post elsewhere, an unknown attachment",
    },
)


@api_action(CREATE_POST, status=201, id_from=THREAD_ID)
async def create_post(ctx: Context, call: Call) -> Any:
    data = call.data
    view = await posts.do_reply(
        ctx,
        call.id,
        body=data["body"],
        reply_to=data["reply_to"],
        attachment_ids=data["attachments"] or [],
    )
    return posts_reads.post_public(view)


EDIT_POST = Spec(
    summary="Edit a post (its author, a coordinator); the earlier version is kept",
    body=(BODY,),
    responses={
        200: ("the post as edited", ref("Post")),
        403: "someone else's post",
        404: "no such post, or the caller may not read it",
        409: "the post is deleted, or the thread locked",
        422: "an empty or over-long body",
    },
)


@api_action(EDIT_POST, id_from=POST_ID)
async def edit_post(ctx: Context, call: Call) -> Any:
    await post_changes.do_edit_post(ctx, call.id, body=call.data["body"])
    return await post_json(ctx, call.id)


DELETE_POST = Spec(
    summary="Soft-delete a post (its author, a coordinator): it keeps its place as deleted",
    # Another post than the other examples': trying the document deletes no post it then uses.
    path=(Param("post_id", "int", minimum=1, maximum=MAX_ID, example=3),),
    responses={
        204: "deleted",
        403: "someone else's post",
        404: "no such post, or the caller may not read it",
        409: "the thread is locked",
    },
)


@api_action(DELETE_POST, id_from=POST_ID)
async def delete_post(ctx: Context, call: Call) -> Any:
    await post_changes.do_delete_post(ctx, call.id)
    return Response(status_code=204)


POST_HISTORY = Spec(
    summary="Earlier versions of a post, oldest first",
    responses={
        200: ("the earlier versions, whole", page(ref("Revision"), cursor=False)),
        404: "no such post, or the caller may not read it",
    },
)


@api_action(POST_HISTORY, id_from=POST_ID)
async def post_history(ctx: Context, call: Call) -> Any:
    _post, _thread, _network, revisions = await posts_reads.post_history(ctx, call.id)
    items = [
        {
            "body": r.body,
            "html": r.html,
            "written_at": r.written_at.isoformat(),
            "replaced_at": r.replaced_at.isoformat(),
        }
        for r in revisions
    ]
    return {"items": items, "next": None}


@Spec(
    summary="Upload a file (multipart, field `file`) to attach to a post by its id",
    upload="file",
    responses={
        201: ("the stored file", ref("Attachment")),
        413: "the file is over the size limit, or the caller's quota of unattached files is full",
        422: "no file or two `file` parts, a type that may not be attached, or content that "
        "does not match it",
        429: "too many uploads; `Retry-After` says how long to wait",
    },
)
async def upload(request: Request) -> Response:
    signed_in(request)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(N_("Send the file as multipart/form-data."))
    form, _files = await read_upload_form(request)
    try:
        chosen = form.getlist("file")
        file = chosen[0] if len(chosen) == 1 else None
        if len(chosen) > 1:  # one file per upload: none is silently dropped
            raise Invalid(N_("Send one file per request."), field="file")
        if not isinstance(file, UploadFile):
            raise Invalid(N_("Choose a file."), field="file")
        async with action(request) as ctx:
            stored = await attachments.do_store_uploads(ctx, [(file.filename or "file", file.file)])
    finally:
        await form.close()
    a = stored[0]
    body = {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
    return JSONResponse(body, status_code=201)


ROUTES = [
    Route("/networks/{slug}/threads", list_threads, methods=["GET"]),
    Route("/networks/{slug}/threads", create_thread, methods=["POST"]),
    Route("/networks/{slug}/mentionable", lookup.network_mentionable, methods=["GET"]),
    Route("/threads/{thread_id}", get_thread, methods=["GET"]),
    Route("/threads/{thread_id}/posts", list_posts, methods=["GET"]),
    Route("/threads/{thread_id}/posts", create_post, methods=["POST"]),
    Route("/threads/{thread_id}/mentionable", lookup.mentionable, methods=["GET"]),
    Route("/threads/{thread_id}/pin", moderate.pin_thread, methods=["POST"]),
    Route("/threads/{thread_id}/unpin", moderate.unpin_thread, methods=["POST"]),
    Route("/threads/{thread_id}/lock", moderate.lock_thread, methods=["POST"]),
    Route("/threads/{thread_id}/unlock", moderate.unlock_thread, methods=["POST"]),
    Route("/threads/{thread_id}/move", moderate.move_thread, methods=["POST"]),
    Route("/posts/{post_id}", edit_post, methods=["PATCH"]),
    Route("/posts/{post_id}", delete_post, methods=["DELETE"]),
    Route("/posts/{post_id}/history", post_history, methods=["GET"]),
    Route("/posts/{post_id}/reactions/{kind}", moderate.add_reaction, methods=["PUT"]),
    Route("/posts/{post_id}/reactions/{kind}", moderate.remove_reaction, methods=["DELETE"]),
    Route("/posts/{post_id}/flags", moderate.flag_post, methods=["POST"]),
    Route("/posts/{post_id}/hide", moderate.hide_post, methods=["POST"]),
    Route("/posts/{post_id}/unhide", moderate.unhide_post, methods=["POST"]),
    Route("/attachments", upload, methods=["POST"]),
    Route("/search", lookup.search_endpoint, methods=["GET"]),
]
