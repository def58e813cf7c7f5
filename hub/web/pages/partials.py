"""The board's partials rendered outside a page request, for live insertion (real-time events).

The same templates the pages include, so what arrives live equals what a reload shows. With no
viewer the post shows no actions: those depend on who reads, and the page adds them on reload.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from hub.models import Municipality, User
from hub.models.proposals import Proposal, ProposalTransition
from hub.reads.posts import PostView
from hub.reads.threads import BoardRow
from hub.web.fragments import fill_csrf, post_fragment
from hub.web.pages.thread import Viewer
from hub.web.pages.vote_chart import tally_view
from hub.web.templating import language, render_string


def post_partial(
    view: PostView,
    reader_language: str,
    viewer: Viewer | None = None,
    municipalities: dict[int, Municipality] | None = None,
    csrf_token: str = "",
) -> Markup:
    """templates/board/_post.html for one post, in the reader's language and script (the same
    fragment the thread page shows, kept in hub.web.fragments)."""
    html = post_fragment(view, viewer, municipalities or {}, reader_language)
    return Markup(fill_csrf(html, csrf_token))  # noqa: S704


def proposal_state_partial(
    proposal: Proposal, timeline: list[tuple[ProposalTransition, User | None]], reader_language: str
) -> Markup:
    """templates/proposals/_status.html: a proposal's state and its timeline."""
    with language(reader_language):
        return render_string("proposals/_status.html", proposal=proposal, timeline=timeline)


def thread_row_partial(row: BoardRow, reader_language: str) -> Markup:
    """templates/board/_thread_row.html for one thread of a board."""
    with language(reader_language):
        return render_string("board/_thread_row.html", row=row)


def vote_tally_partial(tally: Mapping[str, Any], reader_language: str) -> Markup:
    """templates/proposals/_vote_tally.html: a vote's tally with its chart, from the tally the
    `vote.tally` event carries (the secret-ballot rules already applied by the actions)."""
    with language(reader_language):
        return render_string("proposals/_vote_tally.html", view=tally_view(tally))
