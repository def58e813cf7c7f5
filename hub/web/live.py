"""The web layer's part of live updates: partial renderers for events (the ids pages embed
are in hub.web.live_since).

Registered into realtime.partials.RENDERERS when the app starts, so the realtime layer renders
the same templates as the pages without importing the web layer.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from hub.actions.context import act
from hub.models import InitiativeComment, Network, Thread, User
from hub.models.proposals import Proposal, ProposalTransition
from hub.permissions import Action, can
from hub.plumbing.runtime import Runtime
from hub.reads import posts, proposals
from hub.reads import proposal_lists as proposal_reads
from hub.reads.posts import Author, PostInPlace
from hub.reads.threads import BoardRow
from hub.web.pages.partials import (
    post_partial,
    proposal_state_partial,
    thread_row_partial,
    vote_tally_partial,
)
from hub.web.pages.thread import Viewer as PageViewer
from hub.web.templating import language, render_string
from realtime.bus import Published
from realtime.partials import RENDERERS, Renderer, Viewer


@dataclass(frozen=True)
class ProposalState:
    """What a proposal.status partial shows: the proposal and its timeline."""

    proposal: Proposal
    timeline: list[tuple[ProposalTransition, User | None]]


POST_EVENTS = ("post.created", "post.edited", "post.deleted", "post.hidden")


def rights_in(viewer: Viewer, network: Network, network_id: int) -> tuple[bool, bool]:
    """May the viewer post in the network, and moderate it? Both follow from the viewer's
    principal (its role there, or being an administrator) and the network's id alone, so they
    are worked out once per viewer and network, and kept in its memo under the id."""
    found: tuple[bool, bool] | None = viewer.memo.get(network_id)
    if found is None:
        found = (
            can(viewer.principal, Action.POST_IN_NETWORK, network),
            can(viewer.principal, Action.MODERATE_NETWORK, network),
        )
        viewer.memo[network_id] = found
    return found


def register(runtime: Runtime) -> None:
    async def prepare_post(event: Published) -> PostInPlace | None:
        post_id = event.data.get("id")
        if not isinstance(post_id, int):
            return None
        new = event.data if event.type == "post.created" else None
        async with act(runtime, system=True, sessions=runtime.live_sessions) as ctx:
            return await posts.load_post_in_place(ctx, post_id, new)

    def post_variant(event: Published, prepared: PostInPlace, viewer: Viewer) -> Hashable:
        # Run for every socket that receives the event: the rights come from the viewer's memo,
        # the ids from the prepared post's plain fields (not through the ORM's attributes).
        may_post, may_moderate = rights_in(viewer, prepared.network, prepared.network_id)
        user_id = viewer.user_id
        return (
            viewer.language,
            user_id is not None and prepared.author_id == user_id,
            user_id is not None,
            may_post,
            may_moderate,
        )

    def render_post(event: Published, prepared: PostInPlace, viewer: Viewer) -> str:
        may_post, may_moderate = rights_in(viewer, prepared.network, prepared.network_id)
        page_viewer = PageViewer(
            user_id=viewer.user_id,
            can_post=may_post,
            can_moderate=may_moderate,
            locked=prepared.thread.locked,
        )
        # Forms carry an empty CSRF token: the client fills in the reader's own (live.js).
        return str(
            post_partial(prepared.view, viewer.language, page_viewer, prepared.municipalities, "")
        )

    async def prepare_thread(event: Published) -> BoardRow | None:
        thread_id = event.data.get("id")
        if not isinstance(thread_id, int):
            return None
        async with act(runtime, system=True, sessions=runtime.live_sessions) as ctx:
            thread = await ctx.db.get(Thread, thread_id)
            if thread is None:
                return None
            author = await ctx.db.get(User, thread.author_id) if thread.author_id else None
            last = await ctx.db.get(User, thread.last_author_id) if thread.last_author_id else None
        return BoardRow(
            thread, Author.of(author), Author.of(last), unread=thread.post_count, opened=False
        )

    def thread_variant(event: Published, prepared: Any, viewer: Viewer) -> Hashable:
        return viewer.language

    def render_thread(event: Published, prepared: BoardRow, viewer: Viewer) -> str:
        return str(thread_row_partial(prepared, viewer.language))

    async def prepare_proposal(event: Published) -> ProposalState | None:
        proposal_id = event.data.get("id")
        if not isinstance(proposal_id, int):
            return None
        async with act(runtime, system=True, sessions=runtime.live_sessions) as ctx:
            access = await proposals.access_proposal(ctx, proposal_id)
            return ProposalState(access.proposal, await proposal_reads.timeline(ctx, access))

    def render_proposal(event: Published, prepared: ProposalState, viewer: Viewer) -> str:
        return str(proposal_state_partial(prepared.proposal, prepared.timeline, viewer.language))

    async def prepare_comment(event: Published) -> tuple[InitiativeComment, User | None] | None:
        comment_id = event.data.get("id")
        if not isinstance(comment_id, int):
            return None
        async with act(runtime, system=True, sessions=runtime.live_sessions) as ctx:
            comment = await ctx.db.get(InitiativeComment, comment_id)
            if comment is None:
                return None
            author = await ctx.db.get(User, comment.author_id) if comment.author_id else None
        return comment, author

    def render_comment(event: Published, prepared: Any, viewer: Viewer) -> str:
        comment, author = prepared
        with language(viewer.language):
            return str(render_string("initiatives/_comment.html", comment=comment, author=author))

    RENDERERS["initiative.comment"] = Renderer(prepare_comment, thread_variant, render_comment)
    post_renderer = Renderer(prepare_post, post_variant, render_post)
    for event_type in POST_EVENTS:
        RENDERERS[event_type] = post_renderer
    RENDERERS["thread.created"] = Renderer(prepare_thread, thread_variant, render_thread)
    # The state and timeline are the same for every reader of the proposal: by language only.
    RENDERERS["proposal.status"] = Renderer(prepare_proposal, thread_variant, render_proposal)

    async def prepare_tally(event: Published) -> dict[str, Any]:
        return event.data  # the tally itself: nothing to read

    def render_tally(event: Published, prepared: dict[str, Any], viewer: Viewer) -> str:
        return str(vote_tally_partial(prepared, viewer.language))

    # The same tally for every reader (V5 applied by the actions): by language only.
    RENDERERS["vote.tally"] = Renderer(prepare_tally, thread_variant, render_tally)
