"""People around a committee, and initiatives in its inbox, for the committee's tests.

An initiative is written straight into the tables here, as a finished compilation leaves it
(a ready revision with its documents): these tests are about what the committee does with it,
the compiler's own tests are about making it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from hub.models import (
    AuditEntry,
    Committee,
    Initiative,
    InitiativeComment,
    InitiativeDecision,
    InitiativeDocument,
    InitiativeFollowUp,
    InitiativeProposal,
    InitiativeRevision,
)
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from tests.conftest import make_user
from tests.proposal_helpers import make_people, proposal_in

COMMITTEE = "zdravlje-socijalna"  # the committee of tests.proposal_helpers.NET
OTHER_COMMITTEE = "finansije"
DOCUMENT = "<!doctype html><html><head><title>D</title></head><body><h1>Registar</h1>"
DOCUMENT += "<h2>Sažetak</h2><p>Jedan registar za sve opštine.</p></body></html>"
TABLES = (InitiativeComment, InitiativeDecision, InitiativeFollowUp, AuditEntry)


async def committee_people(rt: Runtime) -> dict[str, int]:
    """tests.proposal_helpers' people (`member` is the proposal's network's), and the committee's:
    `committee_member`, `chair`, and `other_chair` (of another committee)."""
    people = await make_people(rt)
    people["committee_member"] = await make_user(
        rt, "committee.member@example.org", committees={COMMITTEE: "member"}
    )
    people["chair"] = await make_user(rt, "chair@example.org", committees={COMMITTEE: "chair"})
    people["other_chair"] = await make_user(
        rt, "other.chair@example.org", committees={OTHER_COMMITTEE: "chair"}
    )
    return people


_seq = iter(range(1, 10_000))


async def initiative_in(
    rt: Runtime, people: dict[str, int], status: str = "delivered", *, title: str = ""
) -> int:
    """An initiative from a passed proposal of NET, addressed to COMMITTEE, in `status`."""
    pid = await proposal_in(rt, people, ProposalStatus.PASSED)
    seq = next(_seq)
    async with rt.sessionmaker() as db:
        committee = (await db.exec(select(Committee).where(Committee.slug == COMMITTEE))).one()
        initiative = Initiative(
            number=f"SKGO-2026-{seq}",
            prefix="SKGO",
            year=2026,
            seq=seq,
            source_key=f"test:{seq}",
            committee_id=committee.id or 0,
            title=title or f"Jedinstveni registar {seq}",
            status=status,
        )
        db.add(initiative)
        await db.flush()
        assert initiative.id is not None
        db.add(
            InitiativeProposal(initiative_id=initiative.id, proposal_id=pid, live_proposal_id=pid)
        )
        revision = InitiativeRevision(initiative_id=initiative.id, revision=1, status="ready")
        db.add(revision)
        await db.flush()
        for fmt, content in (("html", DOCUMENT.encode()), ("pdf", b"%PDF-1.7 test")):
            db.add(
                InitiativeDocument(
                    revision_id=revision.id or 0, format=fmt, content=content, size=len(content)
                )
            )
        await db.commit()
        return initiative.id


async def counts(rt: Runtime) -> dict[str, int]:
    async with rt.sessionmaker() as db:
        return {
            t.__name__: int((await db.exec(select(func.count()).select_from(t))).one())
            for t in TABLES
        }


async def status_of(rt: Runtime, initiative_id: int) -> str:
    async with rt.sessionmaker() as db:
        initiative = await db.get(Initiative, initiative_id)
        assert initiative is not None
        return initiative.status


def error_of(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def conflict_text(status: str) -> str:
    """The 409's message for an initiative in `status`, as the API says it (Serbian Latin)."""
    from hub.i18n import gettext
    from hub.reads.initiatives import initiative_conflict

    return gettext("sr-Latn", initiative_conflict(status).message)
