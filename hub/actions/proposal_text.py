"""check_* for a proposal's structured text, and the 409 that names the state a proposal is in."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hub.actions.errors import N_, Conflict, Invalid
from hub.actions.validate import check_name, check_text
from hub.models.proposals import (
    LEGAL_ACT_MAX,
    LEGAL_ARTICLE_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Proposal,
    ProposalStatus,
)

S = ProposalStatus


@dataclass(frozen=True)
class ProposalText:
    """The fields a person writes; None means "not given" (an edit leaves those as they are)."""

    title: str | None = None
    summary: str | None = None
    problem: str | None = None
    solution: str | None = None
    legal_act: str | None = None
    legal_article: str | None = None
    impact: str | None = None


# Field name as the API and forms know it (the legal basis is one object of two parts).
FIELD_NAMES = {"legal_act": "legal_basis.act", "legal_article": "legal_basis.article"}
_LINES = {"summary": SUMMARY_MAX, "problem": TEXT_MAX, "solution": TEXT_MAX, "impact": TEXT_MAX}


def _check(name: str, value: str | None) -> str:
    field = FIELD_NAMES.get(name, name)
    if name == "title":
        return check_name(value, field, TITLE_MAX)
    if name == "legal_act":
        return check_name(value, field, LEGAL_ACT_MAX)
    if name == "legal_article":  # optional: a change may add a whole new article or by-law
        return " ".join(check_text(value, field, LEGAL_ARTICLE_MAX).split())
    checked = check_text(value, field, _LINES[name])
    if not checked:
        raise Invalid(N_("This field is required."), field=field)
    return checked


def check_new_text(text: ProposalText) -> dict[str, str]:
    """Every field checked (all but the article required), in the form order."""
    return {name: _check(name, value) for name, value in asdict(text).items()}


def check_text_changes(text: ProposalText, proposal: Proposal) -> dict[str, str]:
    """The given fields, checked, that differ from the proposal's."""
    changes = {}
    for name, value in asdict(text).items():
        if value is None:
            continue
        checked = _check(name, value)
        if checked != getattr(proposal, name):
            changes[name] = checked
    return changes


# One message per state, so each names the state in the reader's language.
_IN_STATE = {
    S.DRAFT: N_("This proposal is still a draft: that is not possible now."),
    S.SUBMITTED: N_("This proposal is submitted and waiting for review: that is not possible now."),
    S.CHANGES_REQUESTED: N_(
        "Changes were requested on this proposal: that is not possible until it is resubmitted."
    ),
    S.APPROVED: N_("This proposal is already approved: that is not possible now."),
    S.REJECTED: N_("This proposal was rejected: that is not possible any more."),
    S.MERGED: N_("This proposal was merged into another one: that is not possible any more."),
    S.VOTING: N_("This proposal is being voted on: that is not possible now."),
    S.PASSED: N_("This proposal passed the vote: that is not possible any more."),
    S.FAILED: N_("This proposal did not pass the vote: that is not possible any more."),
    S.WITHDRAWN: N_("This proposal was withdrawn: that is not possible any more."),
}


def conflict_in_state(status: str) -> Conflict:
    """409 naming the state the proposal is in now."""
    return Conflict(_IN_STATE[S(status)], status=status)
