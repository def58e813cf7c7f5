"""The proposal page's forms that move it or change its authors: submit, withdraw, the
coordinator's review, inviting a co-author and accepting an invitation.

Each calls one action; a refused or raced move (a 409 naming the state it is in now, a missing
note) shows the proposal page again with the message beside the form and the note kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import proposal_coauthors, proposal_review
from hub.actions.context import Context
from hub.actions.errors import ActionError
from hub.actions.proposal_states import REVIEW_MOVES
from hub.web.forms import action, as_id, path_id, read_form, text
from hub.web.pages.board_forms import FORM_ERRORS, form_errors
from hub.web.pages.proposals import NO_PROPOSAL, proposal_page

Write = Callable[[Context, int], Awaitable[object]]


async def _run(
    request: Request,
    form_name: str,
    done: str,
    write: Write,
    fields: tuple[str, ...] = ("note", "action", "into"),
    caught: tuple[type[ActionError], ...] = FORM_ERRORS,
    anchor: str = "done",
) -> Response:
    """Run one write; refused, show the page again with the message beside the form and the
    `fields` as typed; done, back to the page at `anchor` with `?done=`."""
    proposal_id = path_id(request, "proposal_id", NO_PROPOSAL)
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            ctx.require_user()
            await write(ctx, proposal_id)
    except caught as error:
        extra = {
            "errors": {form_name: form_errors(request, error)},
            "values": {form_name: {k: text(form, k) for k in fields}},
        }
        return await proposal_page(request, extra, error.status)
    return RedirectResponse(f"/proposals/{proposal_id}?done={done}#{anchor}", status_code=303)


async def submit(request: Request) -> Response:
    async def write(ctx: Context, proposal_id: int) -> object:
        return await proposal_review.do_submit(ctx, proposal_id)

    return await _run(request, "submit", "submitted", write)


async def withdraw(request: Request) -> Response:
    form = await read_form(request)

    async def write(ctx: Context, proposal_id: int) -> object:
        return await proposal_review.do_withdraw(ctx, proposal_id, note=text(form, "note"))

    return await _run(request, "withdraw", "withdrawn", write)


async def review(request: Request) -> Response:
    """approve, request_changes, reject or merge (the form's `action`; `note`, `into`)."""
    form = await read_form(request)
    chosen = text(form, "action")

    async def write(ctx: Context, proposal_id: int) -> object:
        return await proposal_review.do_review(
            ctx, proposal_id, action=chosen, note=text(form, "note"), into=as_id(text(form, "into"))
        )

    form_name = chosen if chosen in REVIEW_MOVES else "review"
    return await _run(request, form_name, "reviewed", write)


async def invite(request: Request) -> Response:
    form = await read_form(request)

    async def write(ctx: Context, proposal_id: int) -> object:
        user_id = as_id(text(form, "user_id")) or 0
        return await proposal_coauthors.do_invite_coauthor(ctx, proposal_id, user_id)

    return await _run(request, "invite", "invited", write)


async def accept(request: Request) -> Response:
    async def write(ctx: Context, proposal_id: int) -> object:
        return await proposal_coauthors.do_accept_coauthor(ctx, proposal_id)

    return await _run(request, "accept", "accepted", write)
