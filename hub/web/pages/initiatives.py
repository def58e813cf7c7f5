"""The committee's pages: its inbox (tabs new, in review, decided, with counts) and an
initiative's page (the document, status, decisions, follow-ups; the committee's discussion and
the chair's forms for those who work in the committee). Forms post here and come back with
the error beside the field and what was typed kept; without JavaScript everything works, with
it new comments arrive live (live.js, on the committee's channel).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub import channels
from hub.actions import initiative_comments as comments
from hub.actions import initiative_decisions as decisions
from hub.actions.errors import N_, NotFound, NotSignedIn
from hub.actions.initiative_requests import do_retry_initiative
from hub.actions.notifications import mark_target_read
from hub.models import Decision, FollowUpKind, InitiativeStatus, RevisionStatus
from hub.permissions import Action
from hub.reads import committee_inbox as inbox
from hub.reads import initiative_comments as comments_reads
from hub.reads import initiative_decisions as decisions_reads
from hub.reads.committee_inbox import Tab, in_committee
from hub.reads.initiatives import (
    NO_INITIATIVE,
    InitiativeAccess,
    access_initiative,
    document_content,
    document_formats,
    may_manage,
)
from hub.web.forms import Context, action, path_id, read_form, text
from hub.web.live_since import live_since
from hub.web.pages.archive import public_page
from hub.web.pages.board_forms import FORM_ERRORS, form_errors
from hub.web.pages.document import document_body
from hub.web.pages.notifications import recount
from hub.web.templating import render


async def inbox_page(request: Request) -> Response:
    tab = request.query_params.get("tab") or Tab.NEW
    if tab not in tuple(Tab):
        tab = Tab.NEW
    cursor = request.query_params.get("cursor") or None
    async with action(request) as ctx:
        ctx.require_user()
        found = await inbox.inbox(ctx, request.path_params["slug"], tab=tab, cursor=cursor)
    return render(
        request,
        "committees/inbox.html",
        {"inbox": found, "tab": tab, "tabs": list(Tab), "cursor": cursor},
    )


async def _document(ctx: Context, access: InitiativeAccess) -> tuple[str | None, list[str]]:
    """The document's HTML to show, and the formats there are to download."""
    ready = access.revision is not None and access.revision.status == RevisionStatus.READY
    formats = await document_formats(ctx, access.revision) if ready else []
    if "html" not in formats:
        return None, formats
    return document_body(await document_content(ctx, access, "html")), formats


async def initiative_page(
    request: Request, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """Those who work in the committee, and the proposals' networks; anyone else sees an
    adopted initiative as the public archive shows it."""
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    try:
        async with action(request) as ctx:
            access = await access_initiative(ctx, initiative_id)
            ours = in_committee(ctx, access)
            slug = access.committee.slug
            since = await live_since(request, channels.committee(slug)) if ours else None
            initiative_since = await live_since(request, channels.initiative(initiative_id))
            document, formats = await _document(ctx, access)
            steps = (await decisions_reads.decisions(ctx, [initiative_id]))[initiative_id]
            later = (await decisions_reads.follow_ups(ctx, [initiative_id]))[initiative_id]
            discussion = await comments_reads.list_comments(ctx, initiative_id) if ours else []
            is_chair = ctx.may(Action.DECIDE_FOR_COMMITTEE, access.committee)
            await mark_target_read(ctx, channels.initiative(initiative_id))
            coordinates = any(ctx.may(Action.REVIEW_PROPOSALS, n) for _p, n in access.proposals)
            manage = may_manage(ctx, access.committee, access.network_ids)
    except NotFound as error:
        if error.message != NO_INITIATIVE:
            raise
        return await _public_or_sign_in(request, initiative_id, signed_in=ctx.actor is not None)
    status_ = access.initiative.status
    await recount(request)
    return render(
        request,
        "initiatives/initiative.html",
        {
            "access": access,
            "initiative": access.initiative,
            "document": document,
            "formats": formats,
            "decisions": steps,
            "follow_ups": later,
            "comments": discussion,
            "live_since": since,
            "initiative_since": initiative_since,
            "is_chair": is_chair,
            "in_committee": ours,
            "may_comment": ours and status_ in inbox.DECIDABLE,
            "may_decide": is_chair and status_ in inbox.DECIDABLE,
            "may_start": is_chair and status_ == InitiativeStatus.DELIVERED,
            "may_follow_up": is_chair and status_ == InitiativeStatus.ADOPTED,
            "may_revise": coordinates and status_ == InitiativeStatus.RETURNED,
            "can_retry": manage and revision_failed(access),
            "decision_choices": list(Decision),
            "follow_up_kinds": list(FollowUpKind),
            "done": request.query_params.get("done"),
            "errors": {},
            "values": {},
            **(extra or {}),
        },
        status_code=status,
    )


async def _public_or_sign_in(request: Request, initiative_id: int, *, signed_in: bool) -> Response:
    """Not theirs to see: an adopted initiative as the public sees it; otherwise 404, or the
    sign-in page for a visitor who may be someone who sees it once signed in."""
    try:
        return await public_page(request, initiative_id)
    except NotFound:
        if not signed_in:
            raise NotSignedIn(N_("Please sign in first.")) from None
        raise


Step = Callable[[Context, int, dict[str, str]], Awaitable[str]]  # the anchor to go back to


async def _form_step(request: Request, name: str, fields: tuple[str, ...], step: Step) -> Response:
    """Run one of the page's forms: back to the page, or the page again with the error."""
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    form = await read_form(request)
    values = {f: text(form, f) for f in fields}
    try:
        async with action(request) as ctx:
            ctx.require_user()
            anchor = await step(ctx, initiative_id, values)
    except FORM_ERRORS as error:
        extra = {"errors": {name: form_errors(request, error)}, "values": {name: values}}
        return await initiative_page(request, extra, error.status)
    return RedirectResponse(f"/initiatives/{initiative_id}?done={name}{anchor}", status_code=303)


async def comment(request: Request) -> Response:
    async def step(ctx: Context, initiative_id: int, values: dict[str, str]) -> str:
        made = await comments.do_comment(ctx, initiative_id, body=values["body"])
        return f"#comment-{made.id}"

    return await _form_step(request, "comment", ("body",), step)


async def start_review(request: Request) -> Response:
    async def step(ctx: Context, initiative_id: int, values: dict[str, str]) -> str:
        await decisions.do_start_review(ctx, initiative_id)
        return "#status"

    return await _form_step(request, "review", (), step)


async def decide(request: Request) -> Response:
    async def step(ctx: Context, initiative_id: int, values: dict[str, str]) -> str:
        await decisions.do_decide(
            ctx, initiative_id, decision=values["decision"] or None, note=values["note"]
        )
        return "#status"

    return await _form_step(request, "decision", ("decision", "note"), step)


async def follow_up(request: Request) -> Response:
    async def step(ctx: Context, initiative_id: int, values: dict[str, str]) -> str:
        made = await decisions.do_follow_up(
            ctx,
            initiative_id,
            kind=values["kind"] or None,
            note=values["note"],
            date=values["date"],
        )
        return f"#follow-up-{made.id}"

    return await _form_step(request, "follow_up", ("kind", "date", "note"), step)


def revision_failed(access: InitiativeAccess) -> bool:
    return access.revision is not None and access.revision.status == RevisionStatus.FAILED


async def retry_page(request: Request) -> Response:
    """Compile a failed initiative again (the committee's chair, the coordinators)."""
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    await read_form(request)
    async with action(request) as ctx:
        await do_retry_initiative(ctx, initiative_id)
    return RedirectResponse(f"/initiatives/{initiative_id}", status_code=303)
