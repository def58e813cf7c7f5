"""Invitations and password-reset links, read: the signed link a token stands for (access_*),
the list of invitations, and the API's invitation shape. Sending and using them is
hub.actions.invitations.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, NotFound
from hub.auth import LinkSigner, token_hash
from hub.db import utcnow
from hub.models import Invitation, User
from hub.permissions import Action


async def access_invitation(ctx: Context, token: str) -> Invitation:
    """The open invitation a link stands for; NotFound when the link is bad, used or expired."""
    max_age = ctx.runtime.settings.invitation_days * 86400
    data = link_signer(ctx).load(INVITE_LINK, token, max_age)
    invitation = None
    if data is not None and isinstance(data.get("i"), int):
        invitation = await ctx.db.get(Invitation, data["i"])
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound(LINK_NOT_VALID)
    return invitation


async def access_reset(ctx: Context, token: str) -> User:
    data = link_signer(ctx).load(RESET_LINK, token, ctx.runtime.settings.reset_hours * 3600)
    user = None
    if data is not None and isinstance(data.get("u"), int):
        user = await ctx.db.get(User, data["u"])
    if (
        user is None
        or not user.is_active
        or data is None
        or data.get("f") != reset_fingerprint(user)
    ):
        raise NotFound(RESET_NOT_VALID)
    return user


async def list_invitations(ctx: Context) -> list[Invitation]:
    """Open and past invitations the actor may see: all for admins, their networks' otherwise."""
    query = select(Invitation).order_by(col(Invitation.created_at).desc())
    if not ctx.principal.is_admin:
        ctx.require(Action.INVITE)
        query = query.where(col(Invitation.network_id).in_(ctx.principal.coordinated))
    rows = await ctx.db.exec(query.limit(200))
    return list(rows.all())


def invitation_public(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "email": invitation.email,
        "name": invitation.name,
        "network_role": invitation.network_role,
        "created_at": invitation.created_at.isoformat(),
        "expires_at": invitation.expires_at.isoformat(),
        "accepted": invitation.accepted_at is not None,
        "revoked": invitation.revoked_at is not None,
    }


LINK_NOT_VALID = N_("This invitation link is not valid any more. Ask for a new one.")


RESET_NOT_VALID = N_("This link is not valid any more. Ask for a new one.")


INVITE_LINK = "invite"


RESET_LINK = "reset"


def link_signer(ctx: Context) -> LinkSigner:
    return LinkSigner(ctx.runtime.settings.secret_key)


def reset_fingerprint(user: User) -> str:
    # The link carries part of a hash of the current password hash: once the password changes,
    # every earlier link stops working, so a link works once.
    return token_hash(user.password_hash or "none")[:16]
