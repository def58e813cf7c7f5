"""The route table: every page and API route in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.web import health
from hub.web.api.openapi import endpoint as openapi_endpoint
from hub.web.api.routes import ROUTES as API_ROUTES
from hub.web.pages import admin, auth, home, profile
from hub.web.templating import STATIC_DIR


def page_routes() -> list[BaseRoute]:
    return [
        Route("/", home.dashboard, methods=["GET"]),
        Route("/signin", auth.signin_page, methods=["GET"]),
        Route("/signin", auth.signin, methods=["POST"]),
        Route("/signout", auth.signout, methods=["POST"]),
        Route("/language", auth.set_language, methods=["POST"]),
        Route("/invite/{token}", auth.invitation_page, methods=["GET"]),
        Route("/invite/{token}", auth.accept_invitation, methods=["POST"]),
        Route("/reset", auth.reset_request_page, methods=["GET"]),
        Route("/reset", auth.reset_request, methods=["POST"]),
        Route("/reset/{token}", auth.reset_page, methods=["GET"]),
        Route("/reset/{token}", auth.reset, methods=["POST"]),
        Route("/networks", home.network_directory, methods=["GET"]),
        Route("/networks/{slug}", home.network_page, methods=["GET"]),
        Route("/committees", home.committee_directory, methods=["GET"]),
        Route("/committees/{slug}", home.committee_page, methods=["GET"]),
        Route("/profile", profile.profile_page, methods=["GET"]),
        Route("/profile", profile.update_profile, methods=["POST"]),
        Route("/profile/password", profile.change_password, methods=["POST"]),
        *admin.ROUTES,
    ]


def all_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.readyz, methods=["GET"]),
        Route("/metrics", health.metrics, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi_endpoint(API_ROUTES), methods=["GET"]),
        Mount("/api/v1", routes=list(API_ROUTES)),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        *page_routes(),
    ]
