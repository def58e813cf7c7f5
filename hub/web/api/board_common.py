"""What the boards' JSON endpoints share: the sign-in check, ids and limits, a post's shape."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.actions import posts
from hub.actions.context import Context
from hub.actions.errors import N_, Invalid, NotSignedIn
from hub.permissions import Action
from hub.web.forms import as_id
from hub.web.visitor import visitor

NO_THREAD = N_("No such thread.")
NO_POST = N_("No such post.")


def signed_in(request: Request) -> None:
    if not visitor(request).signed_in:
        raise NotSignedIn(N_("Please sign in first."))


def id_list(data: dict[str, Any], key: str) -> list[int]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) or as_id(v) is None for v in value
    ):
        raise Invalid(N_("Give a list of ids."), field=key)
    return list(value)


def optional_id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or as_id(value) is None:
        raise Invalid(N_("Not a valid id."), field=key)
    return value


def limit_of(request: Request, default: int, maximum: int) -> int:
    raw = request.query_params.get("limit", "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 or not 1 <= int(raw) <= maximum:
        raise Invalid(N_("Between 1 and %(max)d, please."), field="limit", max=maximum)
    return int(raw)


async def post_json(ctx: Context, post_id: int, status: int = 200) -> JSONResponse:
    """The post as readers of the API see it (moderators also see hidden text)."""
    post, _thread, network = await posts.access_post(ctx, post_id)
    views = await posts.load_post_views(ctx, network, [post.id or 0])
    moderator = ctx.may(Action.MODERATE_NETWORK, network)
    return JSONResponse(posts.post_public(views[0], moderator=moderator), status_code=status)
