"""What the boards' JSON endpoints share: the sign-in check and a post's shape."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.actions.context import Context
from hub.actions.errors import N_, NotSignedIn
from hub.permissions import Action
from hub.reads import posts
from hub.web.visitor import visitor

NO_THREAD = N_("No such thread.")
NO_POST = N_("No such post.")
# The path ids of the boards' endpoints: the parameter and the message when there is none.
THREAD_ID = ("thread_id", NO_THREAD)
POST_ID = ("post_id", NO_POST)


def signed_in(request: Request) -> None:
    if not visitor(request).signed_in:
        raise NotSignedIn(N_("Please sign in first."))


async def post_json(ctx: Context, post_id: int, status: int = 200) -> JSONResponse:
    """The post as readers of the API see it (moderators also see hidden text)."""
    post, _thread, network = await posts.access_post(ctx, post_id)
    views = await posts.load_post_views(ctx, network, [post.id or 0])
    moderator = ctx.may(Action.MODERATE_NETWORK, network)
    return JSONResponse(posts.post_public(views[0], moderator=moderator), status_code=status)
