"""The JSON API's handlers in one shape: `api_action` makes the handler around one action.

Most handlers read the same way: the caller signed in (401), an id from the path (404, or 422
for what is no number at all), the query and the JSON body through the endpoint's Spec (422),
then one action in one transaction, and its answer as JSON. `api_action` does those steps, in
that order, and leaves the handler only what is its own:

    @api_action(WITHDRAW, id_from=PROPOSAL_ID)
    async def withdraw_proposal(ctx: Context, call: Call) -> Any:
        return await proposal_detail(ctx, await review.do_withdraw(ctx, call.id, note=...))

The function it wraps runs inside `action(request)`, so what it reads after the write sees the
write; it returns the JSON body (answered with `status`), or a Response of its own when the
answer is not one fixed status and a body. The handler carries its Spec as before (the OpenAPI
document is generated from it) and keeps the function's name (the route's name).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.web.api.board_common import signed_in
from hub.web.api.spec import Handler, Spec
from hub.web.forms import Context, action, path_id


@dataclass(frozen=True)
class Call:
    """A request's input, read and checked: what the action needs from it."""

    request: Request
    id: int  # the path id named by `id_from` (0 when the endpoint names none)
    data: dict[str, Any]  # the JSON body, read through the Spec ({} when it takes none)
    query: dict[str, Any]  # the Spec's query parameters (None when absent)

    def path(self, name: str) -> str:
        """A path parameter as given (a slug, say)."""
        return str(self.request.path_params[name])


Act = Callable[[Context, Call], Awaitable[Any]]


def api_action(
    spec: Spec, *, status: int = 200, id_from: tuple[str, str] | None = None
) -> Callable[[Act], Handler]:
    """The handler for `spec` around `act`: signed in unless the Spec is public, then the path
    id `id_from` (its parameter's name and the message when there is no such thing), the query,
    the body, and `act(ctx, call)` in one action; its result answered as JSON with `status`."""

    def wrap(act: Act) -> Handler:
        async def handler(request: Request) -> Response:
            if not spec.public:
                signed_in(request)
            found = path_id(request, *id_from) if id_from else 0
            query = spec.params(request)
            data = await spec.read(request) if spec.body is not None else {}
            async with action(request) as ctx:
                answer = await act(ctx, Call(request, found, data, query))
            if isinstance(answer, Response):
                return answer
            return JSONResponse(answer, status_code=status)

        # The route is named after the function (Route's default name), as are OpenAPI's ids.
        handler.__name__, handler.__qualname__ = act.__name__, act.__qualname__
        handler.__doc__, handler.__module__ = act.__doc__, act.__module__
        return spec(handler)

    return wrap
