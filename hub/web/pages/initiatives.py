"""The initiative's page: its status, a live progress bar while it compiles, the document once
compiled with its downloads, and "try again" for a failed compilation (the committee's chair,
the coordinators). Who sees it: hub.actions.initiatives.may_see (404 otherwise)."""

from __future__ import annotations

import re

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions.errors import N_
from hub.actions.initiative_requests import do_retry_initiative
from hub.actions.initiatives import (
    NO_INITIATIVE,
    access_initiative,
    document_content,
    may_manage,
)
from hub.models.initiatives import RevisionStatus
from hub.web.forms import action, path_id, read_form
from hub.web.live import live_since
from hub.web.templating import render

_BODY = re.compile(r"<body>(.*)</body>", re.S)
# The document's own landmarks would repeat the page's: inside the page they are plain boxes.
_LANDMARKS = re.compile(r"<(/?)(?:main|header)\b")
STATES = {
    "compiling": N_("being compiled"),
    "failed": N_("compilation failed"),
    "delivered": N_("delivered to the committee"),
    "in_review": N_("in review"),
    "adopted": N_("adopted"),
    "returned": N_("returned"),
    "rejected": N_("rejected by the committee"),
    "superseded": N_("taken into a joint initiative"),
}


async def initiative_page(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    async with action(request) as ctx:
        access = await access_initiative(ctx, initiative_id)
        document = None
        revision = access.revision
        if revision is not None and revision.status == RevisionStatus.READY:
            html = (await document_content(ctx, access, "html")).decode()
            found = _BODY.search(html)
            # Our own template's output (autoescaped when compiled): shown as it is.
            inner = _LANDMARKS.sub(r"<\1div", found.group(1)) if found else None
            document = Markup(inner) if inner else None  # noqa: S704
        manage = may_manage(ctx, access.committee, access.network_ids)
    since = await live_since(request, f"initiative:{initiative_id}")
    return render(
        request,
        "initiatives/initiative.html",
        {
            "access": access,
            "initiative": access.initiative,
            "state": STATES.get(access.initiative.status, access.initiative.status),
            "revision": revision,
            "document": document,
            "can_retry": manage and revision is not None and revision.status == "failed",
            "live_since": since,
        },
    )


async def retry_page(request: Request) -> Response:
    initiative_id = path_id(request, "initiative_id", NO_INITIATIVE)
    await read_form(request)
    async with action(request) as ctx:
        await do_retry_initiative(ctx, initiative_id)
    return RedirectResponse(f"/initiatives/{initiative_id}", status_code=303)
