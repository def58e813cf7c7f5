"""The route table: every page and API route in one place."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute, compile_path
from starlette.staticfiles import StaticFiles

from hub.actions.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_POST
from hub.web import health
from hub.web.api import archive as archive_api
from hub.web.api import board as board_api
from hub.web.api import committee as committee_api
from hub.web.api import initiative_return as return_api
from hub.web.api import initiatives as initiatives_api
from hub.web.api import notifications as notifications_api
from hub.web.api import proposal_moves as proposal_moves_api
from hub.web.api import proposals as proposals_api
from hub.web.api import votes as votes_api
from hub.web.api.openapi import endpoint as openapi_endpoint
from hub.web.api.routes import ROUTES as ACCOUNT_API_ROUTES
from hub.web.pages import (
    admin,
    archive,
    auth,
    board,
    home,
    initiative_return,
    initiatives,
    post,
    profile,
    proposal_forms,
    proposal_moves,
    proposals,
    search,
    thread,
    unsubscribe,
    vote_forms,
)
from hub.web.pages import notifications as notification_pages
from hub.web.route_index import IndexedRouter
from hub.web.templating import STATIC_DIR
from realtime.socket import endpoint as live_endpoint


def page_routes() -> list[BaseRoute]:
    return [
        Route("/", home.dashboard, methods=["GET"]),
        Route("/signin", auth.signin_page, methods=["GET"]),
        Route("/signin", auth.signin, methods=["POST"]),
        Route("/signout", auth.signout, methods=["POST"]),
        Route("/language", auth.set_language, methods=["POST"]),
        Route("/invite/{token}", auth.invitation_page, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe.unsubscribe, methods=["POST"]),
        Route("/invite/{token}", auth.accept_invitation, methods=["POST"]),
        Route("/reset", auth.reset_request_page, methods=["GET"]),
        Route("/reset", auth.reset_request, methods=["POST"]),
        Route("/reset/{token}", auth.reset_page, methods=["GET"]),
        Route("/reset/{token}", auth.reset, methods=["POST"]),
        Route("/networks", home.network_directory, methods=["GET"]),
        Route("/networks/{slug}", board.network_board, methods=["GET"]),
        Route("/committees", home.committee_directory, methods=["GET"]),
        Route("/committees/{slug}", home.committee_page, methods=["GET"]),
        Route("/profile", profile.profile_page, methods=["GET"]),
        Route("/profile", profile.update_profile, methods=["POST"]),
        Route("/profile/password", profile.change_password, methods=["POST"]),
        Route("/notifications", notification_pages.notifications_page, methods=["GET"]),
        Route("/profile/notifications", notification_pages.settings_page, methods=["GET"]),
        Route("/profile/notifications", notification_pages.save_settings, methods=["POST"]),
        Route("/notifications/read", notification_pages.mark_read, methods=["POST"]),
        *admin.ROUTES,
        *BOARD_ROUTES,
        *PROPOSAL_ROUTES,
        *COMMITTEE_ROUTES,
    ]


API_ROUTES = [
    *ACCOUNT_API_ROUTES,
    *board_api.ROUTES,
    *proposals_api.ROUTES,
    *proposal_moves_api.ROUTES,
    *committee_api.ROUTES,
    *return_api.ROUTES,
    *archive_api.ROUTES,
    *votes_api.ROUTES,
    *notifications_api.ROUTES,
    *initiatives_api.ROUTES,
]

# The boards: the network page above is the board itself.
BOARD_ROUTES = [
    Route("/networks/{slug}/read", board.mark_all_read, methods=["POST"]),
    Route("/networks/{slug}/threads/new", board.new_thread_page, methods=["GET"]),
    Route("/networks/{slug}/threads/new", board.create_thread, methods=["POST"]),
    Route("/networks/{slug}/moderation", board.moderation_page, methods=["GET"]),
    Route("/threads/{thread_id}", thread.thread_page, methods=["GET"]),
    Route("/threads/{thread_id}/posts", thread.reply, methods=["POST"]),
    Route("/threads/{thread_id}/pin", thread.pin, methods=["POST"]),
    Route("/threads/{thread_id}/lock", thread.lock, methods=["POST"]),
    Route("/threads/{thread_id}/move", thread.move, methods=["POST"]),
    Route("/posts/{post_id}", thread.post_redirect, methods=["GET"]),
    Route("/posts/{post_id}/edit", post.edit_page, methods=["GET"]),
    Route("/posts/{post_id}/edit", post.edit, methods=["POST"]),
    Route("/posts/{post_id}/delete", post.delete, methods=["POST"]),
    Route("/posts/{post_id}/history", post.history_page, methods=["GET"]),
    Route("/posts/{post_id}/reactions", post.react, methods=["POST"]),
    Route("/posts/{post_id}/flag", post.flag_page, methods=["GET"]),
    Route("/posts/{post_id}/flag", post.flag, methods=["POST"]),
    Route("/posts/{post_id}/hide", post.hide_page, methods=["GET"]),
    Route("/posts/{post_id}/hide", post.hide, methods=["POST"]),
    Route("/posts/{post_id}/unhide", post.unhide, methods=["POST"]),
    Route("/attachments/{attachment_id}/{filename}", thread.download, methods=["GET"]),
    Route("/search", search.search_page, methods=["GET"]),
]


# Proposals (issue 10): "mine" before the numbered proposal so it is not read as an id.
PROPOSAL_ROUTES = [
    Route("/networks/{slug}/proposals", proposals.list_page, methods=["GET"]),
    Route("/networks/{slug}/proposals/new", proposal_forms.new_page, methods=["GET"]),
    Route("/networks/{slug}/proposals/new", proposal_forms.create, methods=["POST"]),
    Route("/networks/{slug}/review-queue", proposals.queue_page, methods=["GET"]),
    Route("/proposals/mine", proposals.my_page, methods=["GET"]),
    Route("/proposals/{proposal_id}", proposals.proposal_page, methods=["GET"]),
    Route("/proposals/{proposal_id}/edit", proposal_forms.edit_page, methods=["GET"]),
    Route("/proposals/{proposal_id}/edit", proposal_forms.edit, methods=["POST"]),
    Route("/proposals/{proposal_id}/history", proposals.history_page, methods=["GET"]),
    Route("/proposals/{proposal_id}/submit", proposal_moves.submit, methods=["POST"]),
    Route("/proposals/{proposal_id}/withdraw", proposal_moves.withdraw, methods=["POST"]),
    Route("/proposals/{proposal_id}/review", proposal_moves.review, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors", proposal_moves.invite, methods=["POST"]),
    Route("/proposals/{proposal_id}/coauthors/accept", proposal_moves.accept, methods=["POST"]),
    Route("/proposals/{proposal_id}/voting", vote_forms.open_vote, methods=["POST"]),
    Route("/proposals/{proposal_id}/voting/close", vote_forms.close_vote, methods=["POST"]),
    Route("/proposals/{proposal_id}/vote", vote_forms.cast, methods=["POST"]),
]

# The committees' work on initiatives, and the public archive of adopted ones.
COMMITTEE_ROUTES = [
    Route("/committees/{slug}/initiatives", initiatives.inbox_page, methods=["GET"]),
    Route("/initiatives", archive.archive_page, methods=["GET"]),
    Route("/initiatives/{initiative_id}", initiatives.initiative_page, methods=["GET"]),
    Route("/initiatives/{initiative_id}/retry", initiatives.retry_page, methods=["POST"]),
    Route("/initiatives/{initiative_id}/comments", initiatives.comment, methods=["POST"]),
    Route("/initiatives/{initiative_id}/review", initiatives.start_review, methods=["POST"]),
    Route("/initiatives/{initiative_id}/decision", initiatives.decide, methods=["POST"]),
    Route("/initiatives/{initiative_id}/updates", initiatives.follow_up, methods=["POST"]),
    Route("/initiatives/{initiative_id}/diff", initiative_return.diff_page, methods=["GET"]),
    Route("/initiatives/{initiative_id}/recompile", initiative_return.recompile, methods=["POST"]),
    Route(
        "/initiatives/{initiative_id}/proposals/{proposal_id}/revise",
        initiative_return.revise_page,
        methods=["GET"],
    ),
    Route(
        "/initiatives/{initiative_id}/proposals/{proposal_id}/revise",
        initiative_return.revise,
        methods=["POST"],
    ),
]


def all_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.readyz, methods=["GET"]),
        Route("/metrics", health.metrics, methods=["GET"]),
        Route("/favicon.ico", home.favicon, methods=["GET"]),
        WebSocketRoute("/ws", live_endpoint),
        Route("/api/v1/openapi.json", openapi_endpoint(API_ROUTES), methods=["GET"]),
        Mount("/api/v1", app=IndexedRouter(API_ROUTES)),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        *page_routes(),
    ]


# The handlers whose POST bodies may carry attachments, and how large such a body may be. Their
# paths come from the table above, so a route moved there keeps its limit.
UPLOAD_HANDLERS = (board.create_thread, thread.reply, board_api.upload)
UPLOAD_LIMIT = MAX_ATTACHMENT_BYTES * MAX_ATTACHMENTS_PER_POST + 1024 * 1024


def upload_paths(routes: Iterable[BaseRoute], prefix: str = "") -> list[str]:
    """The full paths (templates, as declared) of the upload handlers' POST routes."""
    found = []
    for route in routes:
        if isinstance(route, Mount):
            found += upload_paths(route.routes, prefix + route.path)
        elif (
            isinstance(route, Route)
            and route.endpoint in UPLOAD_HANDLERS
            and "POST" in (route.methods or ())
        ):
            found.append(prefix + route.path)
    return found


def body_limit(default: int) -> Callable[[str], int]:
    """The BodyLimitMiddleware limit: larger on the paths that accept files."""
    pattern = "|".join(compile_path(path)[0].pattern for path in upload_paths(all_routes()))
    uploads = re.compile(pattern)

    def limit(path: str) -> int:
        return max(default, UPLOAD_LIMIT) if uploads.match(path) else default

    return limit
