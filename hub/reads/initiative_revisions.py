"""An initiative's revisions compared, section by section and word by word, for its readers
(a returned initiative is revised and compiled again by hub.actions.initiative_return)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from sqlmodel import col, select

from hub.actions.context import Context
from hub.actions.errors import N_, Invalid
from hub.actions.proposal_text import FIELD_NAMES
from hub.models import InitiativeRevision, Proposal, ProposalRevision
from hub.reads.initiatives import InitiativeAccess, access_initiative

SECTIONS = ("title", "summary", "problem", "solution", "legal_act", "legal_article", "impact")
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class SectionDiff:
    proposal_id: int
    section: str  # the field's name as the API knows it (legal_basis.act, ...)
    changed: bool
    segments: list[tuple[str, str]]  # ("equal" | "delete" | "insert", text)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The difference of two texts word by word (white space kept), as readable segments."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("equal", "delete", "replace") and i2 > i1:
            out.append(("equal" if op == "equal" else "delete", "".join(a[i1:i2])))
        if op in ("insert", "replace") and j2 > j1:
            out.append(("insert", "".join(b[j1:j2])))
    return out


def _text_at(
    proposal: Proposal, history: list[ProposalRevision], at: dt.datetime
) -> dict[str, str]:
    """The proposal's text as it was at `at`: the first version replaced after it, or today's."""
    kept = next((r for r in history if r.replaced_at > at), None)
    source = kept if kept is not None else proposal
    return {s: getattr(source, s) for s in SECTIONS}


async def revision_diff(
    ctx: Context, initiative_id: int, old: int | None = None, new: int | None = None
) -> tuple[InitiativeAccess, int, int, list[SectionDiff]]:
    """The sections of each proposal, revision `old` against `new` (default: the current one
    against the one before); readers of the initiative."""
    access = await access_initiative(ctx, initiative_id)
    new = new or access.initiative.current_revision
    old = old or new - 1
    rows = await ctx.db.exec(
        select(InitiativeRevision).where(
            InitiativeRevision.initiative_id == initiative_id,
            col(InitiativeRevision.revision).in_([old, new]),
        )
    )
    made = {r.revision: r.created_at for r in rows.all()}
    if old not in made or new not in made or old >= new:
        raise Invalid(N_("There is no such pair of revisions."), field="from")
    out: list[SectionDiff] = []
    for proposal, _network in access.proposals:
        history = list(
            (
                await ctx.db.exec(
                    select(ProposalRevision)
                    .where(ProposalRevision.proposal_id == proposal.id)
                    .order_by(col(ProposalRevision.version))
                )
            ).all()
        )
        before, after = (
            _text_at(proposal, history, made[old]),
            _text_at(proposal, history, made[new]),
        )
        for section in SECTIONS:
            segments = word_diff(before[section], after[section])
            changed = any(op != "equal" for op, _t in segments)
            name = FIELD_NAMES.get(section, section)
            out.append(SectionDiff(proposal.id or 0, name, changed, segments))
    return access, old, new, out
