"""Reading requests for pages and the API alike: ids from paths and queries, forms (with
files) and JSON, with clear 4xx errors for malformed input."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from hub.actions.attachments import MAX_ATTACHMENTS_PER_POST
from hub.actions.context import Context, act
from hub.actions.errors import N_, Invalid, NotFound
from hub.actions.validate import UNSTORABLE_MESSAGE, storable
from hub.ids import as_id, ascii_int
from hub.plumbing.runtime import Runtime
from hub.web.json_input import decode_json_body
from hub.web.visitor import client_ip, visitor


async def read_form(request: Request) -> FormData:
    """The submitted form (its CSRF token was checked by CSRFMiddleware)."""
    return await _storable(await request.form(max_files=0, max_fields=200))


async def _storable(form: FormData) -> FormData:
    """The form, unless a field holds NUL or a lone surrogate (a multipart form may declare a
    charset that yields them): Invalid naming the field. The text rules of the actions
    (hub.actions.validate) apply later; this keeps such characters from every lookup too."""
    for key, value in form.multi_items():
        if isinstance(value, str) and not (storable(key) and storable(value)):
            await form.close()
            raise Invalid(UNSTORABLE_MESSAGE, field=key if storable(key) else None)
    return form


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object, decoded strictly (hub.web.json_input)."""
    return decode_json_body(await request.body(), request.headers.get("content-type"))


def string(data: Any, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(N_("This field must be text."), field=key)
    return value


def path_id(request: Request, name: str, what: str = N_("This page does not exist.")) -> int:
    """An id from the path (hub.ids: ASCII digits only). A number beyond any id is NotFound; so
    is anything else on a page, while the API answers Invalid for what is not a number at all."""
    raw = request.path_params.get(name)
    found = as_id(raw)
    if found is None:
        if request.url.path.startswith("/api/") and ascii_int(raw) is None:
            raise Invalid(N_("Not a valid id."), field=name)
        raise NotFound(what)
    return found


def query_id(request: Request, name: str) -> int | None:
    """An optional id from the query string (0 allowed); Invalid when given but not an id."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    found = as_id(raw)
    if found is None and ascii_int(raw) != 0:
        raise Invalid(N_("Not a valid id."), field=name)
    return found or 0


def text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


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
    await _storable(form)
    files = [
        f
        for f in form.getlist("attachments")
        if isinstance(f, UploadFile) and (f.filename or f.size)
    ]
    return form, files


def file_pairs(files: list[UploadFile]) -> list[tuple[str, Any]]:
    return [(f.filename or "file", f.file) for f in files]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def action(request: Request) -> AbstractAsyncContextManager[Context]:
    """`async with action(request) as ctx:` runs actions as the visitor, in one transaction."""
    runtime = runtime_of(request)
    found = visitor(request)
    # The first action starts from the user and roles the credential check loaded a moment
    # ago; a later one in the same request loads them again (the first may have changed them).
    known, found.known = found.known, None
    return act(
        runtime, actor_id=found.user_id, ip=client_ip(request, runtime.settings), known=known
    )


__all__ = [
    "Context",
    "action",
    "as_id",
    "file_pairs",
    "path_id",
    "query_id",
    "read_form",
    "read_json",
    "read_upload_form",
    "runtime_of",
    "string",
    "text",
]
