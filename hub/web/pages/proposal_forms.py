"""The proposal form: writing a new proposal and editing one while its authors hold it.

On bad input the form comes back with the error beside its field and everything typed kept; an
edit names the version it started from, so a co-author's save in the meantime is a clear 409
that keeps the text.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import proposals
from hub.actions.errors import ActionError
from hub.actions.proposal_states import EDITABLE
from hub.actions.proposal_text import FIELD_NAMES, ProposalText, conflict_in_state
from hub.models.proposals import LEGAL_ACT_MAX, LEGAL_ARTICLE_MAX, SUMMARY_MAX, TEXT_MAX, TITLE_MAX
from hub.permissions import Action
from hub.reads import bodies
from hub.reads import proposals as proposals_reads
from hub.web.forms import action, as_id, path_id, read_form, text
from hub.web.pages.board_forms import FORM_ERRORS, form_errors
from hub.web.pages.proposals import NO_PROPOSAL, TEXT_FIELDS
from hub.web.templating import render

LIMITS = {
    "title": TITLE_MAX,
    "summary": SUMMARY_MAX,
    "problem": TEXT_MAX,
    "solution": TEXT_MAX,
    "legal_act": LEGAL_ACT_MAX,
    "legal_article": LEGAL_ARTICLE_MAX,
    "impact": TEXT_MAX,
}
_FORM_FIELD = {api: form for form, api in FIELD_NAMES.items()}


def _typed(form: FormData) -> dict[str, str]:
    return {name: text(form, name) for name in TEXT_FIELDS}


def _errors(request: Request, error: ActionError) -> dict[str, str]:
    """The error by the form's field (the actions name the legal basis's parts as the API)."""
    found = form_errors(request, error)
    return {_FORM_FIELD.get(k, k): v for k, v in found.items()}


def _show(
    request: Request, context: dict[str, Any], values: dict[str, str], errors: dict[str, str]
) -> Response:
    status = 200
    if errors:
        status = int(context.pop("status", 422))
    return render(
        request,
        "proposals/form.html",
        {"values": values, "errors": errors, "limits": LIMITS, **context},
        status_code=status,
    )


async def new_page(request: Request) -> Response:
    async with action(request) as ctx:
        ctx.require_user()
        network = await bodies.access_network(ctx, request.path_params["slug"], Action.PROPOSE)
    return _show(request, {"network": network, "proposal": None}, {}, {})


async def create(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await read_form(request)
    values = _typed(form)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            access = await proposals.do_create_proposal(ctx, slug, ProposalText(**values))
    except FORM_ERRORS as error:
        async with action(request) as ctx:
            network = await bodies.access_network(ctx, slug, Action.PROPOSE)
        context = {"network": network, "proposal": None, "status": error.status}
        return _show(request, context, values, _errors(request, error))
    return RedirectResponse(f"/proposals/{access.proposal.id}?done=created", status_code=303)


async def _editable(request: Request) -> proposals_reads.ProposalAccess:
    """The proposal, if the actor may edit it now (the actions' own checks)."""
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    async with action(request) as ctx:
        access = await proposals_reads.access_proposal(ctx, proposal_id)
        proposals_reads.require_author(ctx, access)
        if access.proposal.status not in EDITABLE:
            raise conflict_in_state(access.proposal.status)
    return access


async def edit_page(request: Request) -> Response:
    access = await _editable(request)
    values = {name: str(getattr(access.proposal, name)) for name in TEXT_FIELDS}
    context = {"network": access.network, "proposal": access.proposal}
    return _show(request, {**context, "version": access.proposal.version}, values, {})


async def edit(request: Request) -> Response:
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    form = await read_form(request)
    values = _typed(form)
    version = as_id(text(form, "version"))
    try:
        async with action(request) as ctx:
            ctx.require_user()
            await proposals.do_edit_proposal(
                ctx, proposal_id, ProposalText(**values), version=version
            )
    except FORM_ERRORS as error:
        async with action(request) as ctx:
            access = await proposals_reads.access_proposal(ctx, proposal_id)
        context = {
            "network": access.network,
            "proposal": access.proposal,
            "version": version,
            "status": error.status,
        }
        return _show(request, context, values, _errors(request, error))
    return RedirectResponse(f"/proposals/{proposal_id}?done=edited", status_code=303)
