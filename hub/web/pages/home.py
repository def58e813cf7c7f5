"""The dashboard, the network directory and network and committee pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.permissions import Action
from hub.reads import boards, bodies, moderation, proposal_views, vote_waiting
from hub.reads.committee_inbox import inbox_counts
from hub.web.forms import action
from hub.web.templating import render
from hub.web.visitor import visitor


async def dashboard(request: Request) -> Response:
    if not visitor(request).signed_in:
        return RedirectResponse("/signin", status_code=303)
    async with action(request) as ctx:
        my_networks, my_committees = await bodies.my_bodies(ctx)
        recent = await boards.recent_threads(ctx, [n.id for n, _ in my_networks if n.id])
        all_networks = await bodies.network_directory(ctx)
        committees = await bodies.list_committees(ctx)
        waiting = await moderation.waiting_flags(ctx, [n for n, _ in my_networks])
        to_review = await proposal_views.review_counts(ctx, [n for n, _ in my_networks])
        invitations = await proposal_views.invitation_count(ctx)
        votes_waiting = await vote_waiting.votes_waiting(ctx)
        inboxes = await inbox_counts(ctx, [c.id for c, _ in my_committees if c.id])
    return render(
        request,
        "dashboard.html",
        {
            "my_networks": my_networks,
            "my_committees": my_committees,
            "recent": recent,
            "network_count": len(all_networks),
            "committee_count": len(committees),
            "is_admin": ctx.principal.is_admin,
            "waiting_flags": waiting,
            "waiting_proposals": to_review,
            "my_invitations": invitations,
            "votes_waiting": votes_waiting,
            "inboxes": inboxes,
        },
    )


async def network_directory(request: Request) -> Response:
    async with action(request) as ctx:
        networks = await bodies.network_directory(ctx)
        committees = {c.id: c for c in await bodies.list_committees(ctx)} if ctx.actor else {}
        counts = await bodies.member_counts(ctx)
        readable = {n.id for n in networks if ctx.may(Action.VIEW_NETWORK, n)}
    return render(
        request,
        "networks/directory.html",
        {
            "networks": networks,
            "committees": committees,
            "counts": counts,
            "readable": readable,
            "mine": ctx.principal.networks,
        },
    )


async def committee_directory(request: Request) -> Response:
    async with action(request) as ctx:
        committees = await bodies.list_committees(ctx)
        networks = await bodies.network_directory(ctx)
    by_committee: dict[int | None, list[object]] = {}
    for network in networks:
        by_committee.setdefault(network.committee_id, []).append(network)
    return render(
        request,
        "committees/directory.html",
        {"committees": committees, "by_committee": by_committee, "mine": ctx.principal.committees},
    )


async def committee_page(request: Request) -> Response:
    async with action(request) as ctx:
        committee = await bodies.access_committee(ctx, request.path_params["slug"])
        members = await bodies.committee_members(ctx, committee)
        networks = await bodies.networks_of_committee(ctx, committee)
    return render(
        request,
        "committees/committee.html",
        {
            "committee": committee,
            "members": members,
            "networks": networks,
            "my_role": ctx.principal.committees.get(committee.id or 0),
            "can_manage": ctx.may(Action.MANAGE_COMMITTEE_MEMBERS, committee),
            "sees_inbox": ctx.may(Action.VIEW_COMMITTEE_INBOX, committee),
        },
    )


async def favicon(request: Request) -> Response:
    """/favicon.ico, asked for by browsers and tools that do not read the page's icon link."""
    return RedirectResponse("/static/favicon.svg", status_code=301)
