"""A returned initiative's pages: a coordinator revises a proposal and has the initiative
compiled again; anyone who reads it sees what changed between revisions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import initiative_return as returned
from hub.actions.proposal_text import ProposalText
from hub.reads import initiative_revisions as revisions
from hub.reads.initiatives import NO_INITIATIVE, access_initiative
from hub.reads.proposals import NO_PROPOSAL
from hub.web.forms import action, path_id, query_id, read_form, text
from hub.web.pages.board_forms import FORM_ERRORS, form_errors
from hub.web.pages.initiatives import initiative_page
from hub.web.templating import render

FIELDS = revisions.SECTIONS


async def diff_page(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    old, new = query_id(request, "from"), query_id(request, "to")
    async with action(request) as ctx:
        ctx.require_user()
        access, old_, new_, sections = await revisions.revision_diff(ctx, initiative_id, old, new)
    by_proposal = [
        (p, [s for s in sections if s.proposal_id == p.id]) for p, _n in access.proposals
    ]
    return render(
        request,
        "initiatives/diff.html",
        {"initiative": access.initiative, "old": old_, "new": new_, "by_proposal": by_proposal},
    )


async def revise_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        ctx.require_user()
        access = await access_initiative(ctx, initiative_id)
    proposal = next((p for p, _n in access.proposals if p.id == proposal_id), None)
    if proposal is None:
        return RedirectResponse(f"/initiatives/{initiative_id}", status_code=303)
    values = {f: getattr(proposal, f) for f in FIELDS}
    return render(
        request,
        "initiatives/revise.html",
        {
            "initiative": access.initiative,
            "proposal": proposal,
            "values": {**values, **(extra or {}).get("values", {})},
            "errors": (extra or {}).get("errors", {}),
        },
        status_code=status,
    )


async def revise(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    form = await read_form(request)
    values = {f: text(form, f) for f in FIELDS}
    try:
        async with action(request) as ctx:
            ctx.require_user()
            await returned.do_revise(ctx, initiative_id, proposal_id, ProposalText(**values))
    except FORM_ERRORS as error:
        found = form_errors(request, error)
        errors = {k.replace("legal_basis.", "legal_"): v for k, v in found.items()}
        return await revise_page(request, {"values": values, "errors": errors}, error.status)
    return RedirectResponse(f"/initiatives/{initiative_id}?done=revised#status", status_code=303)


async def recompile(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    await read_form(request)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            await returned.do_recompile(ctx, initiative_id)
    except FORM_ERRORS as error:
        extra = {"errors": {"recompile": form_errors(request, error)}}
        return await initiative_page(request, extra, error.status)
    return RedirectResponse(f"/initiatives/{initiative_id}?done=recompiled#status", 303)
