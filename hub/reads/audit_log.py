"""The audit log as the administration pages read it: entries, who made them, what they name."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.validate import MAX_ID
from hub.i18n.script import to_cyrillic, to_latin
from hub.models import AuditEntry, Committee, Invitation, Municipality, Network, Thread, User
from hub.permissions import Action
from hub.reads import cursors
from hub.reads.admin import Page

AUDIT_PER_PAGE = 50


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor: str | None  # the actor's name; None for the system or a visitor not signed in
    object_name: str  # what the object is called now, "" when unknown or deleted
    object_slug: str  # for links to networks and committees
    details: list[tuple[str, str]]
    # (table, id or slug) -> (name, slug) of everything the page's entries mention, for the
    # pages to name and link the objects and data (threads by title, networks by slug too).
    names: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


_NAMED: dict[str, tuple[Any, str]] = {
    "users": (User, "name"),
    "networks": (Network, "name"),
    "committees": (Committee, "name"),
    "municipalities": (Municipality, "name"),
    "invitations": (Invitation, "email"),
    "threads": (Thread, "title"),
}
_ID_KEYS = {"user_id": "users", "thread_id": "threads", "committee_id": "committees"}
_SLUG_KEYS = {
    "network": Network,
    "source": Network,
    "target": Network,
    "municipality": Municipality,
}


async def list_audit(
    ctx: Context,
    *,
    action: str = "",
    actor: str = "",
    cursor: str | None = None,
    limit: int = AUDIT_PER_PAGE,
) -> Page[AuditRow]:
    """The audit log, newest first; `action` is a prefix, `actor` an id, a name or an address."""
    ctx.require(Action.VIEW_AUDIT)
    query = select(AuditEntry, User.name).join(
        User, col(User.id) == col(AuditEntry.actor_id), isouter=True
    )
    if action.strip():
        query = query.where(col(AuditEntry.action).startswith(action.strip(), autoescape=True))
    who = " ".join(actor.split())[:100]
    if who.isascii() and who.isdigit():  # an id; one beyond every id matches nobody
        query = query.where(AuditEntry.actor_id == (int(who) if int(who) <= MAX_ID else -1))
    elif who:
        matching = select(User.id).where(
            or_(
                col(User.email).icontains(who, autoescape=True),
                *(
                    col(User.name).icontains(name, autoescape=True)
                    for name in {who, to_latin(who), to_cyrillic(who)}
                ),
            )
        )
        query = query.where(col(AuditEntry.actor_id).in_(matching))
    if cursor:
        (before,) = cursors.decode(cursor, int)
        query = query.where(col(AuditEntry.id) < before)
    rows = (await ctx.db.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit + 1))).all()
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = cursors.encode(rows[-1][0].id or 0)
    names = await _object_names(ctx, [entry for entry, _ in rows])
    items = []
    for entry, actor_name in rows:
        name, slug = names.get((entry.object_type, entry.object_id), ("", ""))
        items.append(AuditRow(entry, actor_name, name, slug, _details(entry.data, names), names))
    return Page(items, following)


async def _object_names(
    ctx: Context, entries: Iterable[AuditEntry]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, id or slug) -> (current name, slug) for the objects the entries name or their data
    mentions (people, threads, committees by id; networks and local governments by slug), one
    query a table."""
    wanted: dict[str, set[int]] = {}
    slugs: dict[Any, set[str]] = {}
    for entry in entries:
        if entry.object_type in _NAMED and entry.object_id.isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
        data = entry.data if isinstance(entry.data, dict) else {}
        for item in (data, data.get("before")):
            for key, value in item.items() if isinstance(item, dict) else ():
                if key in _ID_KEYS and isinstance(value, int):
                    wanted.setdefault(_ID_KEYS[key], set()).add(value)
                elif key in _SLUG_KEYS and isinstance(value, str):
                    slugs.setdefault(_SLUG_KEYS[key], set()).add(value)
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for model, wanted_slugs in slugs.items():
        by_slug = await ctx.db.exec(
            select(model.slug, model.name).where(col(model.slug).in_(wanted_slugs))
        )
        for slug, name in by_slug.all():
            found[(model.__tablename__, slug)] = (str(name), str(slug))
    for table, ids in wanted.items():
        model, attribute = _NAMED[table]
        label = getattr(model, attribute)
        slug = getattr(model, "slug", label)  # only networks and committees are linked by slug
        rows = await ctx.db.exec(select(model.id, label, slug).where(col(model.id).in_(ids)))
        for key, name, handle in rows.all():
            found[(table, str(key))] = (str(name), str(handle) if hasattr(model, "slug") else "")
    return found


def _details(data: Any, names: dict[tuple[str, str], tuple[str, str]]) -> list[tuple[str, str]]:
    """A short, readable summary of an entry's data: people named, long values cut."""
    if not isinstance(data, dict):
        return []
    details = []
    for key, value in data.items():
        if key == "user_id" and isinstance(value, int):
            text = names.get(("users", str(value)), ("", ""))[0] or f"#{value}"
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        details.append((str(key), text if len(text) <= 120 else text[:119] + "…"))
    return details
