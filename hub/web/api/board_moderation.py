"""The boards' JSON endpoints for reactions, flags and coordinators' acts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.actions import moderation, post_changes
from hub.actions.moderation import REASON_MAX
from hub.ids import MAX_ID
from hub.models import ReactionKind
from hub.reads import threads
from hub.web.api.board_common import NO_POST, NO_THREAD, post_json, signed_in
from hub.web.api.shapes import ref
from hub.web.api.spec import NOT_BLANK, Answer, Field, Param, Spec
from hub.web.forms import action, path_id

REASON = Field(
    "reason",
    required=True,
    max_length=REASON_MAX,
    pattern=NOT_BLANK,
    blank=moderation.REASON_REQUIRED,
    example="Spam",
)
KIND = Param("kind", choices=tuple(ReactionKind), example="thumbs_up")
# Examples of posts that other operations' examples leave alone (a deleted or hidden post takes
# no reactions, nor does one in a locked thread: MODERATED's thread 2 holds posts 4 and 5; post 1
# is every id's lowest value, which schemathesis tries everywhere). Post 6 is in thread 3.
REACTED = (Param("post_id", "int", minimum=1, maximum=MAX_ID, example=6), KIND)
# Its example is another thread than the replies' (hub.web.api.board), so that trying the
# document (or schemathesis) does not lock the thread it then replies in.
MODERATED = (Param("thread_id", "int", minimum=1, maximum=MAX_ID, example=2),)
MODERATED_POST = (Param("post_id", "int", minimum=1, maximum=MAX_ID, example=2),)
COORDINATORS: dict[int, Answer] = {
    200: ("the thread", ref("Thread")),
    403: "not a coordinator of the thread's network",
    404: "no such thread, or the caller may not read it",
}


async def _react(request: Request, on: bool) -> Response:
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    kind = KIND.read(request.path_params["kind"])
    async with action(request) as ctx:
        counts = await post_changes.do_react(ctx, post_id, kind=kind, on=on)
    return JSONResponse({"post_id": post_id, "reactions": counts})


REACTION_ANSWERS: dict[int, Answer] = {
    200: ("the post's reaction counts", ref("Reactions")),
    403: "not a member of the post's network",
    404: "no such post, or the caller may not read it",
    409: "the post is deleted",
    422: "an unknown kind of reaction",
}


@Spec(
    summary="Add the caller's reaction (thumbs_up, heart, celebrate, thinking, eyes)",
    path=REACTED,
    responses=REACTION_ANSWERS,
)
async def add_reaction(request: Request) -> Response:
    return await _react(request, True)


@Spec(summary="Take back the caller's reaction", path=REACTED, responses=REACTION_ANSWERS)
async def remove_reaction(request: Request) -> Response:
    return await _react(request, False)


FLAG = Spec(
    summary="Flag a post with a reason (members, once each); three flags hide it",
    path=MODERATED_POST,
    body=(REASON,),
    responses={
        201: ("whether the post is now hidden", ref("Flagged")),
        403: "not a member of the post's network",
        404: "no such post, or the caller may not read it",
        409: "already flagged by the caller, the caller's own post, or a deleted post",
        422: "no reason, or an over-long one",
    },
)


@FLAG
async def flag_post(request: Request) -> Response:
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    data = await FLAG.read(request)
    async with action(request) as ctx:
        post = await moderation.do_flag(ctx, post_id, reason=data["reason"])
    return JSONResponse({"post_id": post.id, "hidden": post.hidden_at is not None}, 201)


HIDE = Spec(
    summary="Hide a post with a reason (coordinators)",
    path=MODERATED_POST,
    body=(REASON,),
    responses={
        200: ("the post as moderators see it", ref("Post")),
        403: "not a coordinator of the post's network",
        404: "no such post, or the caller may not read it",
        409: "the post is deleted",
        422: "no reason, or an over-long one",
    },
)


@HIDE
async def hide_post(request: Request) -> Response:
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    data = await HIDE.read(request)
    async with action(request) as ctx:
        await moderation.do_hide_post(ctx, post_id, reason=data["reason"])
        return await post_json(ctx, post_id)


@Spec(
    summary="Show a hidden post again and resolve its flags (coordinators)",
    path=MODERATED_POST,
    responses={
        200: ("the post", ref("Post")),
        403: "not a coordinator of the post's network",
        404: "no such post, or the caller may not read it",
        409: "the post is deleted",
    },
)
async def unhide_post(request: Request) -> Response:
    signed_in(request)
    post_id = path_id(request, "post_id", NO_POST)
    async with action(request) as ctx:
        await moderation.do_unhide_post(ctx, post_id)
        return await post_json(ctx, post_id)


async def _thread_act(request: Request, what: str, on: bool = True) -> Response:
    signed_in(request)
    thread_id = path_id(request, "thread_id", NO_THREAD)
    data = await MOVE.read(request) if what == "move" else {}
    async with action(request) as ctx:
        if what == "pin":
            await moderation.do_pin(ctx, thread_id, pinned=on)
        elif what == "lock":
            await moderation.do_lock(ctx, thread_id, locked=on)
        else:
            await moderation.do_move(ctx, thread_id, to_network=data["network"])
        thread, network = await threads.access_thread(ctx, thread_id)
    return JSONResponse(threads.thread_public(thread, network))


@Spec(summary="Pin a thread (coordinators)", path=MODERATED, responses=COORDINATORS)
async def pin_thread(request: Request) -> Response:
    return await _thread_act(request, "pin")


@Spec(summary="Unpin a thread (coordinators)", path=MODERATED, responses=COORDINATORS)
async def unpin_thread(request: Request) -> Response:
    return await _thread_act(request, "pin", on=False)


@Spec(summary="Lock a thread: no new posts (coordinators)", path=MODERATED, responses=COORDINATORS)
async def lock_thread(request: Request) -> Response:
    return await _thread_act(request, "lock")


@Spec(summary="Unlock a thread (coordinators)", path=MODERATED, responses=COORDINATORS)
async def unlock_thread(request: Request) -> Response:
    return await _thread_act(request, "lock", on=False)


MOVE = Spec(
    summary="Move a thread to another network the caller also coordinates",
    path=MODERATED,
    body=(Field("network", required=True, min_length=1, max_length=80, description="a slug"),),
    responses={
        **COORDINATORS,
        403: "not a coordinator of both networks",
        404: "no such thread or target network, or the caller may not read one",
        422: "no target network",
    },
)


@MOVE
async def move_thread(request: Request) -> Response:
    return await _thread_act(request, "move")
