"""The public archive: adopted initiatives, their documents and their follow-ups, for anyone.

Only what the document holds and the follow-ups leave the committee: never its comments, the
notes of its decisions, or initiatives in any other state (those are 404 here, as if they did
not exist). Listed by the time of adoption, newest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import NotFound
from hub.models import (
    Committee,
    DocumentFormat,
    Initiative,
    InitiativeDocument,
    InitiativeFollowUp,
    InitiativeRevision,
    InitiativeStatus,
    RevisionStatus,
)
from hub.reads import cursors
from hub.reads.initiative_decisions import follow_up_public, follow_ups
from hub.reads.initiatives import NO_INITIATIVE, document_content, load_initiative

PAGE = 20
MAX_PAGE = 100


@dataclass
class Archived:
    initiative: Initiative
    committee: Committee
    follow_ups: list[InitiativeFollowUp]
    formats: list[str]


async def formats_of(ctx: Context, initiatives: list[Initiative]) -> dict[int, list[str]]:
    """The formats compiled for each initiative's current revision."""
    ids = [i.id for i in initiatives if i.id is not None]
    rows = await ctx.db.exec(
        select(InitiativeRevision.initiative_id, InitiativeDocument.format)
        .join(InitiativeDocument, col(InitiativeDocument.revision_id) == InitiativeRevision.id)
        .join(Initiative, col(Initiative.id) == InitiativeRevision.initiative_id)
        .where(
            col(InitiativeRevision.initiative_id).in_(ids),
            col(InitiativeRevision.revision) == Initiative.current_revision,
            col(InitiativeRevision.status) == RevisionStatus.READY,
        )
    )
    out: dict[int, list[str]] = {i: [] for i in ids}
    for initiative_id, fmt in rows.all():
        out[initiative_id].append(fmt)
    order = list(DocumentFormat)
    return {i: sorted(f, key=lambda x: order.index(DocumentFormat(x))) for i, f in out.items()}


async def _complete(ctx: Context, rows: list[tuple[Initiative, Committee]]) -> list[Archived]:
    ids = [i.id or 0 for i, _c in rows]
    steps = await follow_ups(ctx, ids)
    formats = await formats_of(ctx, [i for i, _c in rows])
    return [Archived(i, c, steps[i.id or 0], formats[i.id or 0]) for i, c in rows]


async def archive(
    ctx: Context, *, cursor: str | None = None, limit: int = PAGE
) -> tuple[list[Archived], str | None]:
    """A page of adopted initiatives, most recently adopted first, and the next cursor."""
    query = (
        select(Initiative, Committee)
        .join(Committee, col(Committee.id) == Initiative.committee_id)
        .where(Initiative.status == InitiativeStatus.ADOPTED)
    )
    if cursor:
        at, before = cursors.decode(cursor, dt.datetime, int)
        query = query.where(
            (col(Initiative.status_changed_at) < at)
            | ((col(Initiative.status_changed_at) == at) & (col(Initiative.id) < before))
        )
    query = query.order_by(col(Initiative.status_changed_at).desc(), col(Initiative.id).desc())
    rows = list((await ctx.db.exec(query.limit(limit + 1))).all())
    page = rows[:limit]
    last = page[-1][0] if len(rows) > limit else None
    next_ = cursors.encode(last.status_changed_at, last.id or 0) if last else None
    return await _complete(ctx, [(i, c) for i, c in page]), next_


async def archived(ctx: Context, initiative_id: int) -> Archived:
    """One adopted initiative; NotFound for any other."""
    found = (
        await ctx.db.exec(
            select(Initiative, Committee)
            .join(Committee, col(Committee.id) == Initiative.committee_id)
            .where(Initiative.id == initiative_id, Initiative.status == InitiativeStatus.ADOPTED)
        )
    ).first()
    if found is None:
        raise NotFound(NO_INITIATIVE)
    return (await _complete(ctx, [found]))[0]


async def archived_document(ctx: Context, initiative_id: int, fmt: str) -> tuple[Archived, bytes]:
    """An adopted initiative and its current document in `fmt`; NotFound for any other."""
    item = await archived(ctx, initiative_id)
    access = await load_initiative(ctx, initiative_id)
    assert access is not None
    return item, await document_content(ctx, access, fmt)


def document_path(item: Archived, fmt: str) -> str:
    return f"/api/v1/public/initiatives/{item.initiative.id}/document.{fmt}"


def archived_public(item: Archived) -> dict[str, Any]:
    i = item.initiative
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "committee": {"slug": item.committee.slug, "name": item.committee.name},
        "adopted_at": i.status_changed_at.isoformat(),
        "documents": {fmt: document_path(item, fmt) for fmt in item.formats},
        "follow_ups": [follow_up_public(f) for f in item.follow_ups],
        "url": f"/initiatives/{i.id}",
    }
