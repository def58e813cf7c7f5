"""Sign-in and out, invitations, password reset, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.actions import accounts, invitations
from hub.actions.errors import ActionError, Invalid, RateLimited
from hub.config import LANGUAGES
from hub.reads import invitations as invitations_reads
from hub.web.errors import translate
from hub.web.forms import action, read_form, runtime_of
from hub.web.templating import render
from hub.web.visitor import LANG_COOKIE, SESSION_COOKIE, visitor


def safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):  # browsers drop tabs and newlines
        return "/"
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = runtime_of(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def _form_error(request: Request, error: ActionError) -> dict[str, str]:
    return {error.field or "form": translate(request, error)}


def _refused(
    request: Request, template: str, context: dict[str, object], error: ActionError
) -> Response:
    """The form again with its error: 422, or 429 with Retry-After when rate-limited."""
    response = render(
        request,
        template,
        {**context, "errors": _form_error(request, error)},
        status_code=error.status,
    )
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def signin_page(request: Request) -> Response:
    if visitor(request).signed_in:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    wanted = request.query_params.get("next", "")
    return render(
        request,
        "auth/signin.html",
        {"next": safe_next(wanted) if wanted else "", "changed": "changed" in request.query_params},
    )


async def signin(request: Request) -> Response:
    form = await read_form(request)
    email = str(form.get("email", ""))
    next_url = safe_next(str(form.get("next", "")))
    try:
        async with action(request) as ctx:
            _user, token = await accounts.do_sign_in(
                ctx,
                email=email,
                password=str(form.get("password", "")),
                user_agent=request.headers.get("user-agent", ""),
                previous_token=visitor(request).session_token,
            )
    except (Invalid, RateLimited) as error:
        return _refused(request, "auth/signin.html", {"email": email, "next": next_url}, error)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(request, response, token)
    return response


async def signout(request: Request) -> Response:
    token = visitor(request).session_token
    if token:
        async with action(request) as ctx:
            await accounts.do_sign_out(ctx, token=token)
    response = RedirectResponse("/signin", status_code=303)
    settings = runtime_of(request).settings
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax"
    )
    return response


async def set_language(request: Request) -> Response:
    form = await read_form(request)
    language = str(form.get("language", ""))
    back = safe_next(str(form.get("next", "")))
    response = RedirectResponse(back, status_code=303)
    if language not in LANGUAGES:
        return response
    if visitor(request).signed_in:
        async with action(request) as ctx:
            await accounts.do_set_language(ctx, language=language)
    settings = runtime_of(request).settings
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=31536000,
        samesite="lax",
        secure=settings.secure_cookies,
        httponly=True,
    )
    return response


async def invitation_page(request: Request) -> Response:
    token = request.path_params["token"]
    async with action(request) as ctx:
        invitation = await invitations_reads.access_invitation(ctx, token)
    return render(
        request, "auth/invitation.html", {"invitation": invitation, "name": invitation.name}
    )


async def accept_invitation(request: Request) -> Response:
    token = request.path_params["token"]
    form = await read_form(request)
    name = str(form.get("name", ""))
    try:
        async with action(request) as ctx:
            user = await invitations.do_accept_invitation(
                ctx, token=token, name=name, password=str(form.get("password", ""))
            )
            session_token = await accounts.open_session(
                ctx, user, request.headers.get("user-agent", "")
            )
    except Invalid as error:
        async with action(request) as ctx:
            invitation = await invitations_reads.access_invitation(ctx, token)
        return render(
            request,
            "auth/invitation.html",
            {"invitation": invitation, "name": name, "errors": _form_error(request, error)},
            status_code=422,
        )
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, session_token)
    return response


async def reset_request_page(request: Request) -> Response:
    return render(request, "auth/reset_request.html")


async def reset_request(request: Request) -> Response:
    form = await read_form(request)
    email = str(form.get("email", ""))
    try:
        async with action(request) as ctx:
            await invitations.do_request_password_reset(ctx, email=email)
    except (Invalid, RateLimited) as error:
        return _refused(request, "auth/reset_request.html", {"email": email}, error)
    return render(request, "auth/reset_request.html", {"sent": True, "email": email})


async def reset_page(request: Request) -> Response:
    async with action(request) as ctx:
        user = await invitations_reads.access_reset(ctx, request.path_params["token"])
    return render(request, "auth/reset.html", {"email": user.email})


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    form = await read_form(request)
    try:
        async with action(request) as ctx:
            await invitations.do_reset_password(
                ctx, token=token, password=str(form.get("password", ""))
            )
    except Invalid as error:
        async with action(request) as ctx:
            user = await invitations_reads.access_reset(ctx, token)
        return render(
            request,
            "auth/reset.html",
            {"email": user.email, "errors": _form_error(request, error)},
            status_code=422,
        )
    # Every session ended with the reset; the sign-in page says so and asks for the new password.
    return RedirectResponse("/signin?changed=1", status_code=303)
