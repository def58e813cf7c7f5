"""What the board's pages share: form errors, attachments stored before their post, next paths.

Forms that carry files are multipart; their CSRF token travels in the query string of the
form's action (CSRFMiddleware reads it there), and their bodies may be larger
(hub.web.routes.UPLOAD_HANDLERS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from hub.actions import attachments
from hub.actions.attachments import (
    TooLarge,
    UnsupportedType,
)
from hub.actions.context import Context
from hub.actions.errors import ActionError, Conflict, Invalid, RateLimited
from hub.web.errors import translate
from hub.web.forms import action, as_id, file_pairs, text
from hub.web.pages.auth import safe_next

# Errors a form shows beside its fields (the rest get the error page).
FORM_ERRORS = (Invalid, Conflict, TooLarge, UnsupportedType, RateLimited)


def ids(form: FormData, key: str) -> list[int]:
    return [i for i in (as_id(v) for v in form.getlist(key) if isinstance(v, str)) if i]


def next_path(form: FormData, default: str) -> str:
    """Where a form asked to go back to, if it is a path on this site."""
    wanted = text(form, "next")
    return safe_next(wanted) if wanted else default


def form_errors(request: Request, error: ActionError) -> dict[str, str]:
    """The error by the field it belongs to ("form" when it names none)."""
    return {error.field or "form": translate(request, error)}


async def store_uploads(
    request: Request, files: list[UploadFile], may_post: Callable[[Context], Awaitable[object]]
) -> list[int]:
    """Store the files chosen in a new thread's or post's form, in a transaction of their own
    (after `may_post` has checked where they go), before the post is written: a form shown again
    with an error keeps them, listed and with their ids in hidden fields, and nothing is lost."""
    if not files:
        return []
    async with action(request) as ctx:
        ctx.require_user()
        await may_post(ctx)
        return [a.id or 0 for a in await attachments.do_store_uploads(ctx, file_pairs(files))]
