"""The one table of a proposal's states: which move leads from which states to which, and who
may make it. The actions check a move against it; the database guards it with a conditional
UPDATE (`... WHERE status = :expected`), so of two people moving the same proposal at once one
wins and the other gets a 409 naming the state it is in now.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.models.proposals import ProposalStatus

S = ProposalStatus


class Move(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    MERGE = "merge"
    OPEN_VOTE = "open_vote"  # the voting slice: the coordinator opens a vote
    PASS = "pass"  # noqa: S105 (a move, not a password) the voting slice: a closed vote that met quorum and threshold
    FAIL = "fail"  # the voting slice: one that did not


class By(StrEnum):
    AUTHOR = "author"  # an accepted author who is still a member of the network
    COORDINATOR = "coordinator"  # the network's coordinator (or an admin)
    CLOSE = "close"  # whoever closes the vote: the coordinator, or the worker at closing time


@dataclass(frozen=True)
class Transition:
    sources: frozenset[ProposalStatus]
    target: ProposalStatus
    by: By
    note_required: bool = False


TRANSITIONS: dict[Move, Transition] = {
    Move.SUBMIT: Transition(frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED, By.AUTHOR),
    Move.WITHDRAW: Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED}), S.WITHDRAWN, By.AUTHOR
    ),
    Move.APPROVE: Transition(frozenset({S.SUBMITTED}), S.APPROVED, By.COORDINATOR),
    Move.REQUEST_CHANGES: Transition(
        frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED, By.COORDINATOR, note_required=True
    ),
    Move.REJECT: Transition(
        frozenset({S.SUBMITTED}), S.REJECTED, By.COORDINATOR, note_required=True
    ),
    # A duplicate found late can still be merged, but never one that is being voted on.
    Move.MERGE: Transition(
        frozenset({S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED}), S.MERGED, By.COORDINATOR
    ),
    Move.OPEN_VOTE: Transition(frozenset({S.APPROVED}), S.VOTING, By.COORDINATOR),
    Move.PASS: Transition(frozenset({S.VOTING}), S.PASSED, By.CLOSE),
    Move.FAIL: Transition(frozenset({S.VOTING}), S.FAILED, By.CLOSE),
}

REVIEW_MOVES = (Move.APPROVE, Move.REQUEST_CHANGES, Move.REJECT, Move.MERGE)
# The text may change only while the authors hold it.
EDITABLE = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
# What a proposal may be merged into: one still alive in the same network (not a draft,
# which only its authors see).
MERGE_TARGETS = frozenset({S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED, S.VOTING})


def moves_from(status: str) -> list[Move]:
    """The moves the table allows from `status`, in the table's order."""
    return [move for move, t in TRANSITIONS.items() if status in t.sources]
