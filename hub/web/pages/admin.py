"""Admin pages."""

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
