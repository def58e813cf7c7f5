"""The indexed router picks, for every path of the route table and its near misses, the route
Starlette's plain Router would pick: the first full match in the table's order, else the first
partial one (405)."""

from __future__ import annotations

import re

import pytest
from starlette.routing import BaseRoute, Match, Mount

from hub.web.route_index import IndexedRouter
from hub.web.routes import all_routes

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _pick(routes: list[BaseRoute], path: str, method: str) -> BaseRoute | None:
    scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _samples(path: str) -> list[str]:
    filled = re.sub(r"\{[^}:]+:path\}", "a/b", path)
    filled = re.sub(r"\{[^}]+\}", "7", filled)
    return [filled, filled + "/", filled + "/extra", "/nowhere" + filled]


def _tables() -> list[tuple[str, IndexedRouter]]:
    top = IndexedRouter(all_routes())
    mounted = [r for r in top.routes if isinstance(r, Mount) and isinstance(r.app, IndexedRouter)]
    assert mounted, "the API is mounted behind an indexed router"
    return [("", top)] + [(m.path, m.app) for m in mounted]  # type: ignore[misc]


@pytest.mark.parametrize("table", [0, 1])
def test_every_path_goes_where_the_plain_router_sends_it(table: int) -> None:
    _, router = _tables()[table]
    paths = {p for route in router.routes for p in _samples(getattr(route, "path", "/"))}
    paths |= {"/", "", "/api", "/static/app.js", "/x/y/z/w"}
    for path in sorted(paths):
        candidates = router.routes_for(path)
        for method in METHODS:
            assert _pick(candidates, path, method) is _pick(router.routes, path, method), (
                path,
                method,
            )
    # And it narrows: a route's own path tries a few routes, not the table.
    exact = [_samples(getattr(route, "path", "/"))[0] for route in router.routes]
    tried = sorted(len(router.routes_for(path)) for path in exact)
    assert tried[len(tried) // 2] <= 5 < len(router.routes)
