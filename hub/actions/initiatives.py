"""Initiatives: their events, their number, and making one (reading: hub.reads.initiatives).

Who sees an initiative: the members of the committee it is addressed to (and admins) see every
one; members of the networks its proposals came from see it too; to anyone else it does not
exist (404). Making one (joint, by a coordinator or a committee chair) and trying a failed
compilation again are here; the compilation itself is hub.actions.initiative_compile, run by
workers/compile.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from hub import channels
from hub.actions.context import Context
from hub.actions.errors import N_, Conflict
from hub.db import utcnow
from hub.events import Event
from hub.models import Committee, JobIntent
from hub.models.initiatives import (
    Initiative,
    InitiativeCounter,
    InitiativeProposal,
    InitiativeRevision,
)
from hub.reads.initiatives import InitiativeAccess, initiative_public
from hub.upsert import insert_for, insert_ignore

COMPILE_JOB = "compile_initiative"  # the arq function (workers/compile.py); its id = intent key


def notify_progress(access: InitiativeAccess) -> Event:
    """`initiative.progress` on the initiative's own channel (its page's progress bar)."""
    return Event(
        channel=channels.initiative(access.initiative.id),
        type="initiative.progress",
        data=initiative_public(access),
    )


def notify_status(access: InitiativeAccess) -> list[Event]:
    """`initiative.status` on the initiative's channel and its committee's (the inbox)."""
    data = initiative_public(access)
    return [
        Event(
            channel=channels.initiative(access.initiative.id), type="initiative.status", data=data
        ),
        Event(
            channel=channels.committee(access.committee.slug), type="initiative.status", data=data
        ),
    ]


async def next_number(ctx: Context, prefix: str, year: int) -> int:
    """Bump the (prefix, year) counter in the caller's transaction: a rollback gives it back."""
    statement = (
        insert_for(ctx.db, InitiativeCounter)
        .values(prefix=prefix, year=year, last=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"], set_={"last": col(InitiativeCounter.last) + 1}
        )
        .returning(col(InitiativeCounter.last))
    )
    return int((await ctx.db.exec(statement)).one()[0])


class AlreadyMade(Exception):
    """An initiative with this source key exists (made by a concurrent run): roll back."""


async def insert_initiative(
    ctx: Context,
    *,
    source_key: str,
    committee: Committee,
    title: str,
    language: str,
    job_key: str,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """The initiative (numbered) and its first revision, in the caller's transaction: the ids
    of both. AlreadyMade when `source_key` is taken: the caller must roll back (the number)."""
    now = now or utcnow()
    prefix = ctx.runtime.settings.initiative_prefix
    seq = await next_number(ctx, prefix, now.year)
    initiative_id = await insert_ignore(
        ctx.db,
        Initiative,
        {
            "number": f"{prefix}-{now.year}-{seq}",
            "prefix": prefix,
            "year": now.year,
            "seq": seq,
            "source_key": source_key,
            "committee_id": committee.id,
            "title": title,
            "language": language,
            "created_by_id": ctx.actor.id if ctx.actor else None,
            "created_at": now,
            "status_changed_at": now,
        },
        ["source_key"],
    )
    if initiative_id is None:
        raise AlreadyMade(source_key)
    revision_id = await insert_ignore(
        ctx.db,
        InitiativeRevision,
        {
            "initiative_id": initiative_id,
            "revision": 1,
            "language": language,
            "job_key": job_key or f"compile:initiative:{initiative_id}:1",
            "created_by_id": ctx.actor.id if ctx.actor else None,
            "created_at": now,
        },
        ["initiative_id", "revision"],
    )
    assert revision_id is not None  # a new initiative has no revision yet
    return initiative_id, revision_id


async def link_proposals(ctx: Context, initiative_id: int, proposal_ids: list[int]) -> None:
    """Make the proposals this initiative's (live); 409 if one is in another live initiative
    (the database decides, so two joint initiatives made at once cannot share one)."""
    for position, proposal_id in enumerate(proposal_ids):
        taken = await insert_ignore(
            ctx.db,
            InitiativeProposal,
            {
                "initiative_id": initiative_id,
                "proposal_id": proposal_id,
                "position": position,
                "live_proposal_id": proposal_id,
            },
            ["live_proposal_id"],
        )
        if taken is None:
            raise Conflict(N_("Proposal %(id)d is already in another initiative."), id=proposal_id)


def write_intent(ctx: Context, key: str, payload: dict[str, Any]) -> None:
    """The durable intent (J5) and its enqueue once the transaction commits (J4: id = key)."""
    ctx.db.add(JobIntent(key=key, kind="compile", payload=payload))
    enqueue_compile(ctx, key)


def enqueue_compile(ctx: Context, key: str) -> None:
    """Queue the compile job of intent `key` after the commit. For the votes' close too: the
    intent `compile:proposal:<id>` it writes is compiled at once when it calls this, and by the
    reconciler within seconds when it does not."""
    ctx.enqueue(COMPILE_JOB, key, key)


async def set_status(ctx: Context, initiative_id: int, sources: tuple[str, ...], to: str) -> bool:
    """Move the initiative from one of `sources` to `to` with a conditional UPDATE."""
    result = await ctx.db.exec(
        update(Initiative)
        .where(col(Initiative.id) == initiative_id, col(Initiative.status).in_(sources))
        .values(status=to, status_changed_at=utcnow())
    )
    return bool(result.rowcount)
