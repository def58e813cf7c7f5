"""@mentions: found in a post's source, linked in its HTML only for people who may read it."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, true
from sqlmodel import col, select

from hub.actions.context import Context
from hub.models import Network, NetworkMembership, User
from hub.models.bodies import Visibility

_MENTION = re.compile(r"(?<![\w@.])@([a-z0-9][a-z0-9._-]{0,58}[a-z0-9]|[a-z0-9])", re.IGNORECASE)
# Segments of rendered HTML where a mention is not a mention: code, preformatted text, links.
_SKIP = re.compile(r"(<pre[\s\S]*?</pre>|<code[\s\S]*?</code>|<a\s[\s\S]*?</a>|<[^>]+>)")
_FENCED = re.compile(r"```[\s\S]*?```|`[^`\n]*`")


def handles_in(source: str) -> set[str]:
    """Handles mentioned in Markdown source, outside code."""
    return {m.group(1).lower() for m in _MENTION.finditer(_FENCED.sub(" ", source))}


def may_read(network: Network) -> ColumnElement[bool]:
    """A SQL condition on User: may this user read `network`'s threads (hub.permissions rules)?

    Kept equal to can(..., Action.VIEW_NETWORK, network) for signed-in users; the permission
    matrix test checks both agree.
    """
    if network.visibility != Visibility.MEMBERS:
        return true()
    return _member_or_admin(network.id)


def _member_or_admin(network_id: Any) -> ColumnElement[bool]:
    member = select(_MEMBERSHIPS.c.id).where(
        _MEMBERSHIPS.c.network_id == network_id, _MEMBERSHIPS.c.user_id == _USERS.c.id
    )
    return or_(_USERS.c.is_admin.is_(True), member.exists())


_USERS = User.__table__  # type: ignore[attr-defined]
_MEMBERSHIPS = NetworkMembership.__table__  # type: ignore[attr-defined]
_ACTIVE_AMONG = select(_USERS.c.id).where(
    _USERS.c.id.in_(bindparam("ids", expanding=True)), _USERS.c.is_active.is_(True)
)
_READERS_AMONG = _ACTIVE_AMONG.where(_member_or_admin(bindparam("network")))


async def active_readers(ctx: Context, network: Network | None, user_ids: set[int]) -> list[int]:
    """Those of `user_ids` who are active and may read `network`'s threads (any network's:
    None), in id order; one prepared statement (it runs for every post)."""
    if network is None or network.visibility != Visibility.MEMBERS:
        found = await ctx.db.exec(_ACTIVE_AMONG, params={"ids": list(user_ids)})
    else:
        params = {"ids": list(user_ids), "network": network.id}
        found = await ctx.db.exec(_READERS_AMONG, params=params)
    return sorted(int(u) for u in found.all())


async def readers_among(ctx: Context, network: Network, handles: set[str]) -> dict[str, User]:
    """The mentioned users who exist, are active and may read the network's threads."""
    if not handles:
        return {}
    rows = await ctx.db.exec(
        select(User).where(
            col(User.handle).in_(handles), col(User.is_active).is_(True), may_read(network)
        )
    )
    return {user.handle: user for user in rows.all() if user.handle}


def link_mentions(rendered: str, users: dict[str, User]) -> str:
    """Mark the mentions of `users` in sanitised HTML; other @words stay plain text."""
    if not users:
        return rendered

    def replace(match: re.Match[str]) -> str:
        user = users.get(match.group(1).lower())
        if user is None:
            return match.group(0)
        return (
            f'<span class="mention" data-user-id="{user.id}" '
            f'title="{html_lib.escape(user.name)}">@{html_lib.escape(user.handle or "")}</span>'
        )

    parts = _SKIP.split(rendered)
    for i in range(0, len(parts), 2):  # even indexes are text between skipped segments
        parts[i] = _MENTION.sub(replace, parts[i])
    return "".join(parts)


async def mentionable(ctx: Context, network: Network, prefix: str, limit: int = 10) -> list[User]:
    """People who may read the network, for @-completion: by handle or name prefix."""
    prefix = prefix.strip().lower().lstrip("@")[:60]
    query = select(User).where(col(User.is_active).is_(True), may_read(network))
    if prefix:
        like = f"{prefix}%"
        query = query.where(
            col(User.handle).like(like)
            | col(User.name).ilike(like)
            | col(User.name).ilike(f"% {like}")
        )
    rows = await ctx.db.exec(query.order_by(User.name).limit(limit))
    return list(rows.all())
