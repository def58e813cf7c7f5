"""The boards' JSON endpoints for reactions, flags and coordinators' acts."""

from __future__ import annotations

from typing import Any

from hub.actions import moderation, post_changes
from hub.actions.moderation import REASON_MAX
from hub.ids import MAX_ID
from hub.models import ReactionKind
from hub.reads import threads
from hub.web.api.board_common import POST_ID, THREAD_ID, post_json
from hub.web.api.handler import Call, api_action
from hub.web.api.shapes import ref
from hub.web.api.spec import NOT_BLANK, Answer, Field, Param, Spec
from hub.web.forms import Context

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


async def _react(ctx: Context, call: Call, on: bool) -> dict[str, Any]:
    kind = KIND.read(call.path("kind"))
    counts = await post_changes.do_react(ctx, call.id, kind=kind, on=on)
    return {"post_id": call.id, "reactions": counts}


REACTION_ANSWERS: dict[int, Answer] = {
    200: ("the post's reaction counts", ref("Reactions")),
    403: "not a member of the post's network",
    404: "no such post, or the caller may not read it",
    409: "the post is deleted",
    422: "an unknown kind of reaction",
}


ADD_REACTION = Spec(
    summary="Add the caller's reaction (thumbs_up, heart, celebrate, thinking, eyes)",
    path=REACTED,
    responses=REACTION_ANSWERS,
)
REMOVE_REACTION = Spec(
    summary="Take back the caller's reaction", path=REACTED, responses=REACTION_ANSWERS
)


@api_action(ADD_REACTION, id_from=POST_ID)
async def add_reaction(ctx: Context, call: Call) -> Any:
    return await _react(ctx, call, True)


@api_action(REMOVE_REACTION, id_from=POST_ID)
async def remove_reaction(ctx: Context, call: Call) -> Any:
    return await _react(ctx, call, False)


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


@api_action(FLAG, status=201, id_from=POST_ID)
async def flag_post(ctx: Context, call: Call) -> Any:
    post = await moderation.do_flag(ctx, call.id, reason=call.data["reason"])
    return {"post_id": post.id, "hidden": post.hidden_at is not None}


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


@api_action(HIDE, id_from=POST_ID)
async def hide_post(ctx: Context, call: Call) -> Any:
    await moderation.do_hide_post(ctx, call.id, reason=call.data["reason"])
    return await post_json(ctx, call.id)


UNHIDE = Spec(
    summary="Show a hidden post again and resolve its flags (coordinators)",
    path=MODERATED_POST,
    responses={
        200: ("the post", ref("Post")),
        403: "not a coordinator of the post's network",
        404: "no such post, or the caller may not read it",
        409: "the post is deleted",
    },
)


@api_action(UNHIDE, id_from=POST_ID)
async def unhide_post(ctx: Context, call: Call) -> Any:
    await moderation.do_unhide_post(ctx, call.id)
    return await post_json(ctx, call.id)


async def _thread_public(ctx: Context, thread_id: int) -> dict[str, Any]:
    thread, network = await threads.access_thread(ctx, thread_id)
    return threads.thread_public(thread, network)


def _coordinators(summary: str) -> Spec:
    return Spec(summary=summary, path=MODERATED, responses=COORDINATORS)


@api_action(_coordinators("Pin a thread (coordinators)"), id_from=THREAD_ID)
async def pin_thread(ctx: Context, call: Call) -> Any:
    await moderation.do_pin(ctx, call.id, pinned=True)
    return await _thread_public(ctx, call.id)


@api_action(_coordinators("Unpin a thread (coordinators)"), id_from=THREAD_ID)
async def unpin_thread(ctx: Context, call: Call) -> Any:
    await moderation.do_pin(ctx, call.id, pinned=False)
    return await _thread_public(ctx, call.id)


@api_action(_coordinators("Lock a thread: no new posts (coordinators)"), id_from=THREAD_ID)
async def lock_thread(ctx: Context, call: Call) -> Any:
    await moderation.do_lock(ctx, call.id, locked=True)
    return await _thread_public(ctx, call.id)


@api_action(_coordinators("Unlock a thread (coordinators)"), id_from=THREAD_ID)
async def unlock_thread(ctx: Context, call: Call) -> Any:
    await moderation.do_lock(ctx, call.id, locked=False)
    return await _thread_public(ctx, call.id)


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


@api_action(MOVE, id_from=THREAD_ID)
async def move_thread(ctx: Context, call: Call) -> Any:
    await moderation.do_move(ctx, call.id, to_network=call.data["network"])
    return await _thread_public(ctx, call.id)
