"""A Starlette Router that tries only the routes a path could match.

Starlette's Router tries its routes in order, a regular expression each, until one matches: the
API's vote is the fiftieth route tried. This one files the routes by the shape of their path
(first segment and number of segments) when it is made, and a request tries only the routes of
its shape, in the table's order, so the first that matches is the one the plain Router would
have chosen. Routes whose shape is open (a parameter as the first segment, a `:path` parameter,
a Mount) are tried for every shape they could match. A path of a shape no route has (an unknown
first segment, a trailing slash) goes to the plain Router, which answers it as it always did
(404, 405, the redirect to the path without the slash).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import Receive, Scope, Send

Shape = tuple[str, int]


def _shape(route: BaseRoute) -> tuple[str | None, int | None]:
    """(first segment, number of segments) of what a route matches; None where it is open."""
    path: str = getattr(route, "path", "")
    segments = path.split("/")[1:]
    first = segments[0] if segments and "{" not in segments[0] else None
    if isinstance(route, Mount) or ":path}" in path:
        return first, None
    return first, len(segments)


def path_shape(path: str) -> Shape:
    segments = path.split("/")[1:]
    return (segments[0] if segments else ""), len(segments)


class IndexedRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], **kwargs: Any) -> None:
        super().__init__(routes=list(routes), **kwargs)
        everything = functools.partial(Router.app, self)
        shapes = {(first, count) for first, count in map(_shape, self.routes) if first and count}
        self._by_shape: dict[Shape, Router] = {}
        for first, count in shapes:
            routes_ = [route for route in self.routes if _could_match(route, first, count)]
            # Nothing matched in the shape: the plain Router answers (404, 405, redirects).
            self._by_shape[first, count] = Router(
                routes=routes_, redirect_slashes=False, default=everything
            )

    def routes_for(self, path: str) -> list[BaseRoute]:
        """The routes a request for `path` tries first (all of them when its shape is unknown)."""
        found = self._by_shape.get(path_shape(path))
        return found.routes if found is not None else self.routes

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            found = self._by_shape.get(path_shape(get_route_path(scope)))
            if found is not None:
                scope.setdefault("router", self)
                await found.app(scope, receive, send)
                return
        await super().app(scope, receive, send)


def _could_match(route: BaseRoute, first: str, count: int) -> bool:
    route_first, route_count = _shape(route)
    return route_first in (None, first) and route_count in (None, count)
