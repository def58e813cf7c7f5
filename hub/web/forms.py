"""Reading request bodies: forms and JSON, with clear 4xx errors for malformed input."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from hub.actions.context import Context, act
from hub.actions.errors import N_, Invalid
from hub.runtime import Runtime
from hub.web.visitor import client_ip, visitor


async def read_form(request: Request) -> FormData:
    """The submitted form (its CSRF token was checked by CSRFMiddleware)."""
    return await request.form(max_files=0, max_fields=200)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid(N_("The body must be a JSON object.")) from None
    if not isinstance(data, dict):
        raise Invalid(N_("The body must be a JSON object."))
    return data


def string(data: Any, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(N_("This field must be text."), field=key)
    return value


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def action(request: Request) -> Any:
    """`async with action(request) as ctx:` runs actions as the visitor, in one transaction."""
    runtime = runtime_of(request)
    return act(runtime, actor_id=visitor(request).user_id, ip=client_ip(request, runtime.settings))


__all__ = ["Context", "action", "read_form", "read_json", "runtime_of", "string"]
