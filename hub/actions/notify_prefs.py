"""Notification settings: e-mail per kind on or off, a level per network (all / mine / none),
and the digest (daily / weekly / off). No row means the defaults, which depend on the role:
a coordinator hears of everything in the networks they coordinate, a member of what is theirs."""

from __future__ import annotations

from typing import Any

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.db import utcnow
from hub.models.notifications import NotificationPrefs
from hub.reads.notify_prefs import DIGESTS, LEVELS, Prefs, prefs_of
from hub.upsert import upsert


def _check(data: dict[str, Any], prefs: Prefs) -> Prefs:
    """The settings after `data`, or Invalid naming the first unknown kind, network or level."""
    email = data.get("email", {})
    networks = data.get("networks", {})
    if not isinstance(email, dict):
        raise Invalid(N_("Give e-mail settings as {kind: true or false}."), field="email")
    if not isinstance(networks, dict):
        raise Invalid(N_("Give network levels as {network: level}."), field="networks")
    for kind, on in email.items():
        if kind not in prefs.email or not isinstance(on, bool):
            raise Invalid(N_("Unknown kind or not true/false: %(kind)s"), field="email", kind=kind)
    for slug, level in networks.items():
        if slug not in prefs.networks or level not in LEVELS:
            raise Invalid(
                N_("Not one of your networks, or a level other than all, mine, none: %(slug)s"),
                field="networks",
                slug=slug,
            )
    digest = data.get("digest", prefs.digest)
    if digest not in DIGESTS:
        raise Invalid(N_("Choose daily, weekly or off."), field="digest")
    return Prefs({**prefs.email, **email}, {**prefs.networks, **networks}, digest)


async def do_set_prefs(ctx: Context, data: dict[str, Any]) -> Prefs:
    """Change the actor's settings (only what `data` names); nothing written on bad input."""
    user = ctx.require_user()
    assert user.id is not None
    prefs = _check(data, await prefs_of(ctx, user.id))
    await _save(ctx, user.id, prefs)
    ctx.audit("notifications.preferences", user)
    return prefs


async def _save(ctx: Context, user_id: int, prefs: Prefs) -> None:
    values = {
        "user_id": user_id,
        "email": prefs.email,
        "networks": prefs.networks,
        "digest": prefs.digest,
        "updated_at": utcnow(),
    }
    await upsert(ctx.db, NotificationPrefs, values, ["user_id"], _PREFS)


_PREFS = ("email", "networks", "digest", "updated_at")  # what saving replaces


async def unsubscribe_all(ctx: Context, user_id: int) -> None:
    """The mail's one-click unsubscribe: no notification mail and no digest from now on."""
    prefs = await prefs_of(ctx, user_id)
    off = Prefs({k: False for k in prefs.email}, prefs.networks, "off")
    await _save(ctx, user_id, off)
    ctx.audit("notifications.unsubscribed", None, user_id=user_id)
