"""The vote section's forms on the proposal page: the coordinator opens a vote or closes it now,
an elector casts or changes a ballot. Each calls one action; a refused write (409 closed, 403 not
an elector, 429 too fast, 422 a field) shows the page again with the message beside the form and
what was typed kept (hub.web.pages.proposal_moves._run)."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response

from hub.actions import vote_cast, votes
from hub.actions.context import Context
from hub.actions.errors import Forbidden
from hub.ids import ascii_int
from hub.web.forms import read_form, text
from hub.web.pages.board_forms import FORM_ERRORS
from hub.web.pages.proposal_moves import _run
from hub.web.pages.vote_section import BELGRADE

OPEN_FIELDS = ("closes_at", "quorum", "threshold", "counting", "ballot")
VOTE_ERRORS = (*FORM_ERRORS, Forbidden)


def closing_time(raw: str) -> str:
    """The form's closing time (Belgrade time, as a datetime-local field sends it) as an ISO
    moment with its zone for the action; what is not a date and time goes through unchanged for
    the action to refuse beside the field."""
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BELGRADE)
    return moment.isoformat()


def as_percent(raw: str) -> int | None:
    """A percent field: a whole number, else None (the action names the field)."""
    return ascii_int(raw.strip())


async def open_vote(request: Request) -> Response:
    form = await read_form(request)

    async def write(ctx: Context, proposal_id: int) -> object:
        return await votes.do_open_vote(
            ctx,
            proposal_id,
            closes_at=closing_time(text(form, "closes_at")),
            quorum=as_percent(text(form, "quorum")),
            threshold=as_percent(text(form, "threshold")),
            counting=text(form, "counting") or None,
            ballot=text(form, "ballot") or None,
        )

    return await _run(request, "open_vote", "vote_opened", write, OPEN_FIELDS, VOTE_ERRORS, "vote")


async def cast(request: Request) -> Response:
    form = await read_form(request)

    async def write(ctx: Context, proposal_id: int) -> object:
        return await vote_cast.do_cast(
            ctx, proposal_id, text(form, "choice") or None, text(form, "reason")
        )

    fields = ("choice", "reason")
    return await _run(request, "cast", "voted", write, fields, VOTE_ERRORS, "vote-done")


async def close_vote(request: Request) -> Response:
    async def write(ctx: Context, proposal_id: int) -> object:
        return await votes.do_close_vote(ctx, proposal_id)

    return await _run(request, "close_vote", "vote_closed", write, (), VOTE_ERRORS, "vote")
