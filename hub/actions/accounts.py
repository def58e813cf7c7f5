"""Accounts: users, sign-in with its rate limit, sessions, API tokens, profile."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, update
from sqlmodel import col, select

from hub import channels, ratelimit
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid, NotFound, RateLimited
from hub.actions.validate import (
    check_email,
    check_language,
    check_line,
    check_name,
    check_password,
    check_storable,
)
from hub.auth import hashed, needs_rehash, new_token, password_matches, token_hash
from hub.db import utcnow
from hub.events import Event
from hub.models import ApiToken, AuditEntry, AuthSession, User
from hub.models.users import free_handle, handle_base
from hub.permissions import Action
from hub.reads.accounts import access_user, find_municipality
from hub.upsert import insert_ignore

SIGNIN_FAILED = N_("Wrong e-mail address or password.")
# Refresh last_seen_at at most this often, so reading pages does not write on every request.
_HANDLE_TRIES = 10


async def do_create_user(
    ctx: Context,
    *,
    email: str,
    name: str,
    password: str | None = None,
    municipality: str | None = None,
    is_admin: bool = False,
    title: str = "",
    language: str | None = None,
) -> tuple[User, str | None]:
    """Create a user; returns the user and the generated password when none was given."""
    ctx.require(Action.MANAGE_USERS)
    email = check_email(email)
    name = check_name(name)
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    check_password(password)
    municipality_id = await find_municipality(ctx, municipality)
    if language is not None:
        check_language(language)
    user = await insert_user(
        ctx,
        email=email,
        name=name,
        password_hash=await hashed(password),
        municipality_id=municipality_id,
        is_admin=is_admin,
        title=check_line(title[:200], "title", 200, required=None),
        language=language or ctx.runtime.settings.default_language,
    )
    if user is None:
        raise Conflict(N_("A user with this e-mail address already exists."), field="email")
    ctx.audit("user.created", user, email=email, is_admin=is_admin)
    return user, generated


async def insert_user(ctx: Context, **values: object) -> User | None:
    """Insert a user with a free @handle; None when the e-mail address is taken.

    The unique keys decide, not a look beforehand: of two requests creating one address at
    once, one gets the user and the other None. People whose addresses make the same handle
    get `ana`, `ana2`, `ana3`…; when many race for the next one, the losers take a random
    number after a few tries instead of queueing for it.
    """
    email = str(values["email"])
    base = handle_base(email)
    for attempt in range(_HANDLE_TRIES):
        if attempt < 3:
            like = select(User.handle).where(col(User.handle).like(f"{base}%"))
            handle = free_handle(base, set((await ctx.db.exec(like)).all()))
        else:
            handle = f"{base}{secrets.randbelow(10**6)}"
        user_id = await insert_ignore(ctx.db, User, {**values, "handle": handle}, None)
        if user_id is not None:
            return await ctx.db.get(User, user_id)
        if (await ctx.db.exec(select(User.id).where(User.email == email))).first() is not None:
            return None
    raise RuntimeError(f"no free handle for {base!r} after {_HANDLE_TRIES} tries")


async def _check_signin_limits(ctx: Context, email: str) -> None:
    settings = ctx.runtime.settings
    for key in (f"signin:ip:{ctx.ip}", f"signin:acct:{email}"):
        wait = await ratelimit.blocked_for(ctx.runtime.redis, key, settings.signin_max_failures)
        if wait:
            raise RateLimited(
                N_("Too many failed attempts. Try again in %(minutes)d minutes."),
                retry_after=wait,
                minutes=max(1, (wait + 59) // 60),
            )


async def check_credentials(ctx: Context, email: str | None, password: str | None) -> User:
    """Verify an e-mail and password under the sign-in rate limit (per address and account)."""
    email = check_storable(email or "", "email").strip().lower()
    check_storable(password or "", "password")
    await _check_signin_limits(ctx, email)
    row = await ctx.db.exec(select(User).where(User.email == email))
    user = row.first()
    ok = await password_matches(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        window = ctx.runtime.settings.signin_window_seconds
        await ratelimit.hit(ctx.runtime.redis, f"signin:ip:{ctx.ip}", window)
        await ratelimit.hit(ctx.runtime.redis, f"signin:acct:{email}", window)
        await _audit_apart(ctx, "auth.signin_failed", email=email[:254])
        raise Invalid(SIGNIN_FAILED, field="password")
    await ratelimit.clear(ctx.runtime.redis, f"signin:acct:{email}")
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = await hashed(password or "")
    return user


async def _audit_apart(ctx: Context, action: str, **data: object) -> None:
    """An audit entry in a transaction of its own: the action's is rolled back by its error."""
    async with ctx.runtime.sessionmaker() as db:
        db.add(AuditEntry(actor_id=None, action=action, data=data, ip=ctx.ip[:64]))
        await db.commit()


async def do_sign_in(
    ctx: Context,
    *,
    email: str | None,
    password: str | None,
    user_agent: str = "",
    previous_token: str | None = None,
) -> tuple[User, str]:
    """Check the credentials and open a new server-side session; returns (user, cookie token).

    Any session the browser had before is ended: the cookie is rotated at every sign-in.
    """
    user = await check_credentials(ctx, email, password)
    if previous_token:
        await ctx.db.exec(
            delete(AuthSession).where(col(AuthSession.token_hash) == token_hash(previous_token))
        )
    token = await open_session(ctx, user, user_agent)
    user.last_login_at = utcnow()
    ctx.db.add(user)
    ctx.actor = user
    ctx.audit("auth.signin", user)
    return user, token


async def open_session(ctx: Context, user: User, user_agent: str) -> str:
    token = new_token()
    now = utcnow()
    assert user.id is not None
    ctx.db.add(
        AuthSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=ctx.runtime.settings.session_max_hours),
            ip=ctx.ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return token


def revoked(ctx: Context, user_id: int | None, reason: str) -> None:
    """Credentials of the user ended: after the commit every instance closes the sockets they
    opened (4401). The event carries no credential: each instance checks its own sockets' anew
    (realtime.service), so one event per user and transaction is enough."""
    if user_id is None:
        return
    event = notify_revoked(user_id, reason)
    if any(e.type == event.type and e.channel == event.channel for e in ctx.events):
        return
    ctx.emit(event)


def notify_revoked(user_id: int, reason: str) -> Event:
    return Event(channels.user(user_id), "session.revoked", {"user_id": user_id, "reason": reason})


async def do_sign_out(ctx: Context, *, token: str) -> None:
    hashed = token_hash(token)
    row = await ctx.db.exec(select(AuthSession.user_id).where(AuthSession.token_hash == hashed))
    user_id = row.first()
    result = await ctx.db.exec(delete(AuthSession).where(col(AuthSession.token_hash) == hashed))
    if result.rowcount:
        ctx.audit("auth.signout")
        revoked(ctx, user_id, "signout")


async def do_issue_api_token(
    ctx: Context, *, email: str | None, password: str | None, name: str = ""
) -> tuple[User, str]:
    user = await check_credentials(ctx, email, password)
    token = "hub_" + new_token()
    assert user.id is not None
    name = check_line(name[:100], "name", 100, required=None)
    api_token = ApiToken(token_hash=token_hash(token), user_id=user.id, name=name)
    ctx.db.add(api_token)
    ctx.actor = user
    await ctx.db.flush()
    ctx.audit("auth.token_issued", api_token)
    return user, token


async def do_end_all_sessions(ctx: Context, user: User, reason: str = "signout") -> None:
    await ctx.db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user.id))
    revoked(ctx, user.id, reason)


async def do_revoke_api_tokens(ctx: Context, user: User, reason: str = "password_reset") -> None:
    """A password reset suggests the account was at risk: its API tokens stop working too."""
    await ctx.db.exec(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    revoked(ctx, user.id, reason)


async def do_revoke_api_token(ctx: Context, *, token: str) -> None:
    """Revoke the API token the request was made with; its user's own (a token cannot be
    revoked by someone who does not hold it). Sockets it opened are closed."""
    user = ctx.require_user()
    result = await ctx.db.exec(
        update(ApiToken)
        .where(
            col(ApiToken.token_hash) == token_hash(token),
            col(ApiToken.user_id) == user.id,
            col(ApiToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    if not result.rowcount:
        raise NotFound(N_("No such API token."))
    ctx.audit("auth.token_revoked", user)
    revoked(ctx, user.id, "token_revoked")


async def do_update_profile(
    ctx: Context, *, name: str | None, language: str | None, title: str | None
) -> User:
    user = ctx.require_user()
    user.name = check_name(name)
    user.language = check_language(language)
    user.title = " ".join((title or "").split())[:200]
    ctx.db.add(user)
    ctx.audit("user.profile_updated", user)
    return user


async def do_set_language(ctx: Context, *, language: str | None) -> User:
    user = ctx.require_user()
    user.language = check_language(language)
    ctx.db.add(user)
    return user


async def do_change_password(
    ctx: Context, *, current: str | None, new: str | None, keep_token: str | None
) -> None:
    user = ctx.require_user()
    if not await password_matches(user.password_hash, current or ""):
        raise Invalid(N_("The current password is not right."), field="current_password")
    user.password_hash = await hashed(check_password(new, field="new_password"))
    ctx.db.add(user)
    # Every other session ends; the one that changed the password stays signed in.
    query = delete(AuthSession).where(col(AuthSession.user_id) == user.id)
    if keep_token:
        query = query.where(col(AuthSession.token_hash) != token_hash(keep_token))
    await ctx.db.exec(query)
    ctx.audit("user.password_changed", user)
    revoked(ctx, user.id, "password_changed")  # the kept session's sockets pass the re-check


async def do_set_user_flags(
    ctx: Context, user_id: int, *, is_admin: bool | None = None, is_active: bool | None = None
) -> User:
    ctx.require(Action.MANAGE_USERS)
    user = await access_user(ctx, user_id)
    if (
        ctx.actor is not None
        and user.id == ctx.actor.id
        and (is_admin is False or is_active is False)
    ):
        raise Conflict(N_("You cannot remove your own administrator rights or account."))
    changes: dict[str, bool] = {}
    if is_admin is not None and is_admin != user.is_admin:
        user.is_admin = changes["is_admin"] = is_admin
    if is_active is not None and is_active != user.is_active:
        user.is_active = changes["is_active"] = is_active
        if not is_active:  # its API tokens stop working too (resolve_api_token checks)
            await do_end_all_sessions(ctx, user, "deactivated")
    if changes:
        ctx.db.add(user)
        ctx.audit("user.updated", user, **changes)
    return user


async def do_update_user(
    ctx: Context, user_id: int, *, name: str | None, municipality: str | None, title: str | None
) -> User:
    ctx.require(Action.MANAGE_USERS)
    user = await access_user(ctx, user_id)
    user.name = check_name(name)
    user.municipality_id = await find_municipality(ctx, municipality)
    user.title = " ".join((title or "").split())[:200]
    ctx.db.add(user)
    ctx.audit("user.updated", user, name=user.name, municipality=municipality or None)
    return user
