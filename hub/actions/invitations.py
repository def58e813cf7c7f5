"""Invitations (by admins and coordinators) and password resets: signed links sent by e-mail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import col, select

from hub import ratelimit
from hub.actions.accounts import do_end_all_sessions, do_revoke_api_tokens, insert_user
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict, Invalid, NotFound, RateLimited
from hub.actions.mail import do_queue_mail
from hub.actions.validate import check_email, check_name, check_password
from hub.auth import hashed
from hub.db import utcnow
from hub.i18n import format_datetime_in_text, gettext
from hub.i18n.script import for_script
from hub.models import Invitation, Network, NetworkMembership, User
from hub.models.bodies import NetworkRole
from hub.permissions import Action
from hub.reads.accounts import find_municipality
from hub.reads.invitations import (
    INVITE_LINK,
    LINK_NOT_VALID,
    RESET_LINK,
    RESET_NOT_VALID,
    access_invitation,
    access_reset,
    link_signer,
    reset_fingerprint,
)


async def do_invite(
    ctx: Context,
    *,
    email: str | None,
    name: str | None,
    network: str | None = None,
    role: str = NetworkRole.MEMBER,
    municipality: str | None = None,
) -> Invitation:
    """Invite a person by e-mail; coordinators may invite only into a network they coordinate."""
    target: Network | None = None
    if network:
        found = await ctx.db.exec(select(Network).where(Network.slug == network))
        target = found.first()
        # A network the inviter may not even see is "unknown": a 403 would reveal it exists.
        if target is None or not ctx.may(Action.VIEW_NETWORK, target):
            raise Invalid(N_("Unknown network."), field="network")
    if target is None and not ctx.principal.is_admin:
        ctx.require_user()
        raise Invalid(N_("Choose the network to invite this person to."), field="network")
    ctx.require(Action.INVITE, target)
    if role not in tuple(NetworkRole):
        raise Invalid(
            N_("Choose one of: %(choices)s."), field="role", choices="member, coordinator"
        )
    email = check_email(email)
    name = check_name(name)
    municipality_id = await find_municipality(ctx, municipality)
    exists = await ctx.db.exec(select(User.id).where(User.email == email))
    if exists.first() is not None:
        raise Conflict(
            N_("This person already has an account: add them as a member instead."), field="email"
        )
    now = utcnow()
    settings = ctx.runtime.settings
    invitation = Invitation(
        email=email,
        name=name,
        municipality_id=municipality_id,
        network_id=target.id if target else None,
        network_role=role,
        invited_by_id=ctx.actor.id if ctx.actor else None,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.invitation_days),
    )
    ctx.db.add(invitation)
    await ctx.db.flush()
    link = f"{settings.base_url}/invite/{link_signer(ctx).sign(INVITE_LINK, {'i': invitation.id})}"
    await do_queue_mail(ctx, to=email, **_invitation_mail(ctx, invitation, target, link))
    ctx.audit("invitation.created", invitation, email=email, network=network, role=role)
    return invitation


def _invitation_mail(
    ctx: Context, invitation: Invitation, network: Network | None, link: str
) -> dict[str, str]:
    """Subject and body, in the hub's default language (the invitee has not chosen one yet).

    Names are never declined: a network's name stands in quotes after "mrežu", so the sentence
    is right whatever the name is."""
    lang = ctx.runtime.settings.default_language
    inviter = for_script(ctx.actor.name, lang) if ctx.actor else gettext(lang, "SKGO")
    if network is not None:
        name = network.name_en if lang == "en" and network.name_en else network.name
        name = for_script(name, lang)
        subject = gettext(lang, "Invitation to the network “%(network)s”", network=name)
        invites = gettext(
            lang,
            "%(inviter)s invites you to the network “%(network)s”.",
            inviter=inviter,
            network=name,
        )
    else:
        subject = gettext(lang, "Invitation to the SKGO expert networks")
        invites = gettext(
            lang, "%(inviter)s invites you to the SKGO expert networks.", inviter=inviter
        )
    body = gettext(
        lang,
        "Hello %(name)s,\n\n%(invites)s\n\n"
        "Open this link to set your password and sign in. "
        "The link is valid until %(until)s.\n%(link)s\n",
        name=for_script(invitation.name, lang),
        invites=invites,
        until=format_datetime_in_text(invitation.expires_at, lang),
        link=link,
    )
    return {"subject": subject, "body": body}


async def do_accept_invitation(
    ctx: Context, *, token: str, name: str | None, password: str | None
) -> User:
    invitation = await access_invitation(ctx, token)
    name = check_name(name)
    password_hash = await hashed(check_password(password))
    exists = await ctx.db.exec(select(User.id).where(User.email == invitation.email))
    if exists.first() is not None:
        raise Conflict(N_("An account with this e-mail address already exists. Sign in instead."))
    # Claim the invitation with a conditional update before creating anything: of two
    # submissions at once (a double click) the second waits for the first and then finds it
    # taken, instead of failing on the unique e-mail.
    claimed = await ctx.db.exec(
        update(Invitation)
        .where(
            col(Invitation.id) == invitation.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(accepted_at=utcnow())
    )
    if not claimed.rowcount:
        raise NotFound(LINK_NOT_VALID)
    user = await insert_user(
        ctx,
        email=invitation.email,
        name=name,
        password_hash=password_hash,
        municipality_id=invitation.municipality_id,
        language=ctx.runtime.settings.default_language,
    )
    if user is None:  # an administrator created the same address a moment ago
        raise Conflict(N_("An account with this e-mail address already exists. Sign in instead."))
    assert user.id is not None
    if invitation.network_id is not None:
        ctx.db.add(
            NetworkMembership(
                network_id=invitation.network_id, user_id=user.id, role=invitation.network_role
            )
        )
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    ctx.db.add(invitation)
    ctx.actor = user
    ctx.audit("invitation.accepted", invitation, user_id=user.id)
    return user


async def do_revoke_invitation(ctx: Context, invitation_id: int) -> Invitation:
    invitation = await ctx.db.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(N_("No such invitation."))
    network = await ctx.db.get(Network, invitation.network_id) if invitation.network_id else None
    ctx.require(Action.INVITE, network)
    if invitation.accepted_at is not None:
        raise Conflict(N_("This invitation was already accepted."))
    invitation.revoked_at = utcnow()
    ctx.db.add(invitation)
    ctx.audit("invitation.revoked", invitation)
    return invitation


async def do_request_password_reset(ctx: Context, *, email: str | None) -> None:
    """Mail a reset link if the account exists; the caller shows the same message either way."""
    settings = ctx.runtime.settings
    wait = await ratelimit.blocked_for(ctx.runtime.redis, f"reset:ip:{ctx.ip}", 10)
    if wait:
        raise RateLimited(
            N_("Too many requests. Try again in %(minutes)d minutes."),
            retry_after=wait,
            minutes=max(1, (wait + 59) // 60),
        )
    await ratelimit.hit(ctx.runtime.redis, f"reset:ip:{ctx.ip}", 3600)
    address = check_email(email)
    found = await ctx.db.exec(select(User).where(User.email == address))
    user = found.first()
    if user is None or not user.is_active:
        ctx.audit("auth.reset_requested_unknown", email=address)
        return
    token = link_signer(ctx).sign(RESET_LINK, {"u": user.id, "f": reset_fingerprint(user)})
    lang = user.language
    link = f"{settings.base_url}/reset/{token}"
    until = utcnow() + dt.timedelta(hours=settings.reset_hours)
    await do_queue_mail(
        ctx,
        to=user.email,
        subject=gettext(lang, "Set a new password"),
        body=gettext(
            lang,
            "Hello %(name)s,\n\nsomeone asked to set a new password for your account. "
            "If it was you, open this link. It is valid until %(until)s.\n%(link)s\n\n"
            "If it was not you, ignore this message: nothing changes.\n",
            name=for_script(user.name, lang),
            until=format_datetime_in_text(until, lang),
            link=link,
        ),
    )
    ctx.audit("auth.reset_requested", user)


async def do_reset_password(ctx: Context, *, token: str, password: str | None) -> User:
    user = await access_reset(ctx, token)
    new_hash = await hashed(check_password(password))
    # Conditional on the hash the link was made for, so the link works once even when it is
    # submitted twice at the same moment.
    changed = await ctx.db.exec(
        update(User)
        .where(col(User.id) == user.id, col(User.password_hash) == user.password_hash)
        .values(password_hash=new_hash)
    )
    if not changed.rowcount:
        raise NotFound(RESET_NOT_VALID)
    user.password_hash = new_hash
    await do_end_all_sessions(ctx, user, "password_reset")
    await do_revoke_api_tokens(ctx, user)
    ctx.actor = user
    ctx.audit("auth.password_reset", user)
    return user
