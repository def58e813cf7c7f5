"""What the board's pages share: ids from paths and queries, forms with files, form errors.

Forms that carry files are multipart; their CSRF token travels in the query string of the
form's action (CSRFMiddleware reads it there), and their bodies may be larger (UPLOAD_PATHS).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from hub.actions.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_POST,
    TooLarge,
    UnsupportedType,
)
from hub.actions.errors import N_, ActionError, Conflict, Invalid, NotFound, RateLimited
from hub.web.errors import translate
from hub.web.pages.auth import safe_next

# Paths whose POST bodies may carry attachments, and how large such a body may be.
UPLOAD_PATHS = re.compile(r"^/(?:networks/[^/]+/threads/new|threads/\d+/posts|api/v1/attachments)$")
UPLOAD_LIMIT = MAX_ATTACHMENT_BYTES * MAX_ATTACHMENTS_PER_POST + 1024 * 1024
_MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL

# Errors a form shows beside its fields (the rest get the error page).
FORM_ERRORS = (Invalid, Conflict, TooLarge, UnsupportedType, RateLimited)


def body_limit(default: int) -> Any:
    """The BodyLimitMiddleware limit: larger on the paths that accept files."""

    def limit(path: str) -> int:
        return max(default, UPLOAD_LIMIT) if UPLOAD_PATHS.match(path) else default

    return limit


def as_id(raw: object) -> int | None:
    """A positive 32-bit id from text, or None."""
    value = str(raw or "").strip()
    if not value.isdigit() or len(value) > 10 or not 0 < int(value) <= _MAX_ID:
        return None
    return int(value)


def path_id(request: Request, name: str, what: str = N_("This page does not exist.")) -> int:
    """An id from the path; NotFound when it cannot be one (never a database error)."""
    found = as_id(request.path_params.get(name))
    if found is None:
        raise NotFound(what)
    return found


def query_id(request: Request, name: str) -> int | None:
    """An optional id from the query string; Invalid when given but not an id."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    found = as_id(raw)
    if found is None and raw != "0":
        raise Invalid(N_("Not a valid id."), field=name)
    return found or 0


def text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def ids(form: FormData, key: str) -> list[int]:
    return [i for i in (as_id(v) for v in form.getlist(key) if isinstance(v, str)) if i]


def next_path(form: FormData, default: str) -> str:
    """Where a form asked to go back to, if it is a path on this site."""
    wanted = text(form, "next")
    return safe_next(wanted) if wanted else default


def form_errors(request: Request, error: ActionError) -> dict[str, str]:
    """The error by the field it belongs to ("form" when it names none)."""
    return {error.field or "form": translate(request, error)}


async def read_upload_form(request: Request) -> tuple[FormData, list[UploadFile]]:
    """The posted form and the files chosen in it (file inputs left empty are skipped)."""
    try:
        form = await request.form(max_files=MAX_ATTACHMENTS_PER_POST + 1, max_fields=50)
    except HTTPException as exc:  # starlette's answer to a malformed body or too many parts
        if "files" not in str(exc.detail):
            raise
        raise Invalid(
            N_("At most %(max)d files per post."),
            field="attachments",
            max=MAX_ATTACHMENTS_PER_POST,
        ) from None
    files = [
        f
        for f in form.getlist("attachments")
        if isinstance(f, UploadFile) and (f.filename or f.size)
    ]
    return form, files


def file_pairs(files: list[UploadFile]) -> list[tuple[str, Any]]:
    return [(f.filename or "file", f.file) for f in files]
