"""Notification settings, read: the saved ones over the defaults for the person's roles (a
coordinator hears of everything in the networks they coordinate, a member of what is theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from hub.actions.context import Context
from hub.models import Network, NetworkMembership, NetworkRole
from hub.models.notifications import NotificationKind, NotificationPrefs

K = NotificationKind
LEVELS = ("all", "mine", "none")


DIGESTS = ("daily", "weekly", "off")


# "mine": what concerns the person themselves, whatever the network's traffic.
MINE = frozenset({K.MENTIONED, K.REPLY, K.PROPOSAL_REVIEWED, K.COAUTHOR_INVITED, K.VOTE_CLOSING})


@dataclass
class Prefs:
    email: dict[str, bool]
    networks: dict[str, str]  # slug -> level, for every network the person belongs to
    digest: str

    def public(self) -> dict[str, Any]:
        return {"email": self.email, "networks": self.networks, "digest": self.digest}

    def mails(self, kind: str, network_slug: str | None) -> bool:
        """Whether a notification of `kind` (from `network_slug`, if any) is e-mailed."""
        if not self.email.get(kind, False):
            return False
        if network_slug is None:
            return True
        level = self.networks.get(network_slug, "mine")
        return level == "all" or (level == "mine" and kind in MINE)


async def _memberships(ctx: Context, user_id: int) -> dict[str, str]:
    rows = await ctx.db.exec(
        select(Network.slug, NetworkMembership.role)
        .join(NetworkMembership, col(NetworkMembership.network_id) == Network.id)
        .where(NetworkMembership.user_id == user_id)
        .order_by(col(Network.slug))
    )
    return {slug: role for slug, role in rows.all()}


async def prefs_of(ctx: Context, user_id: int) -> Prefs:
    """The person's settings: the saved ones over the defaults for their roles."""
    roles = await _memberships(ctx, user_id)
    email = {str(k): True for k in K}
    networks = {s: "all" if r == NetworkRole.COORDINATOR else "mine" for s, r in roles.items()}
    digest = "weekly"
    row = (
        await ctx.db.exec(select(NotificationPrefs).where(NotificationPrefs.user_id == user_id))
    ).first()
    if row is not None:
        email.update({k: bool(v) for k, v in row.email.items() if k in email})
        networks.update({s: v for s, v in row.networks.items() if s in networks})
        digest = row.digest
    return Prefs(email, networks, digest)
