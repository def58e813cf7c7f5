"""A proposal's states: the table itself, and every move by every role through the API.

Each move is tried from each state the table allows it from, by every role: the refused ones
get their status (404 who may not see a draft, 403 who sees but may not act) and write nothing,
the allowed ones move it. From every other state the move is a 409 naming the state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from hub.actions.proposal_states import (
    EDITABLE,
    MERGE_TARGETS,
    REVIEW_MOVES,
    TRANSITIONS,
    By,
    Move,
    moves_from,
)
from hub.actions.proposal_text import _IN_STATE
from hub.db import utcnow
from hub.i18n import gettext
from hub.models.proposals import ProposalStatus
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import (
    ROLES,
    make_people,
    proposal_in,
    state_of,
    tokens,
)
from tests.vote_helpers import RULES, cast

S = ProposalStatus
LANGUAGE = "sr-Latn"  # the users' language: the default
# Every move is made through the API: pass and fail are the coordinator's close of a vote.
API_MOVES = list(Move)
FINAL = {S.REJECTED, S.MERGED, S.PASSED, S.FAILED, S.WITHDRAWN}


def test_the_table_reaches_every_state_and_leaves_no_final_one() -> None:
    targets = {t.target for t in TRANSITIONS.values()}
    assert targets | {S.DRAFT} == set(S)
    for status in FINAL:
        assert moves_from(status) == [], status
    # Every state that is not final has a way on, and changes come back for resubmission.
    for status in set(S) - FINAL:
        assert moves_from(status), status
    assert S.CHANGES_REQUESTED in TRANSITIONS[Move.SUBMIT].sources
    assert EDITABLE.issubset(TRANSITIONS[Move.SUBMIT].sources)
    # Nothing being voted on is withdrawn or merged; a merge goes into a live proposal.
    assert S.VOTING not in TRANSITIONS[Move.WITHDRAW].sources | TRANSITIONS[Move.MERGE].sources
    assert S.DRAFT not in MERGE_TARGETS and not MERGE_TARGETS & FINAL
    assert {TRANSITIONS[m].by for m in REVIEW_MOVES} == {By.COORDINATOR}
    assert set(_IN_STATE) == set(S)


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def attempt(
    client: httpx.AsyncClient, headers: dict[str, str], move: Move, pid: int, into: int
) -> httpx.Response:
    if move in (Move.SUBMIT, Move.WITHDRAW):
        return await client.post(f"/api/v1/proposals/{pid}/{move}", headers=headers, json={})
    if move is Move.OPEN_VOTE:
        body = {"closes_at": (utcnow() + dt.timedelta(hours=1)).isoformat(), **RULES}
        return await client.post(f"/api/v1/proposals/{pid}/voting", headers=headers, json=body)
    if move in (Move.PASS, Move.FAIL):
        return await client.post(f"/api/v1/proposals/{pid}/voting/close", headers=headers)
    body: dict[str, Any] = {"action": str(move), "note": "Obrazloženje."}
    if move is Move.MERGE:
        body["into"] = into
    return await client.post(f"/api/v1/proposals/{pid}/review", headers=headers, json=body)


def expected_refusal(move: Move, source: str, role: str) -> int | None:
    """The status a role gets for `move` from `source`; None when it may make the move."""
    author_move = TRANSITIONS[move].by is By.AUTHOR
    allowed = {"author", "coauthor"} if author_move else {"coordinator", "admin"}  # or CLOSE
    if source == S.DRAFT and role not in ("author", "coauthor", "invitee"):
        return 404  # a draft does not exist for anyone but its authors
    return None if role in allowed else 403


@pytest.mark.parametrize("move", API_MOVES)
async def test_every_move_by_every_role(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], move: Move
) -> None:
    auth = await tokens(client, people)
    transition = TRANSITIONS[move]
    wrong = []
    for source in sorted(transition.sources):
        survivor = await proposal_in(seeded, people, S.SUBMITTED)
        allowed = [r for r in ROLES if expected_refusal(move, source, r) is None]
        for winner in allowed:  # each allowed role makes the move on a proposal of its own
            pid = await proposal_in(seeded, people, source)
            if move is Move.PASS:  # a vote that passes when closed
                await cast(seeded, people["member"], pid, "yes")
            for role in ROLES:
                refusal = expected_refusal(move, source, role)
                if refusal is None:
                    continue
                before = await state_of(seeded, pid)
                response = await attempt(client, auth[role], move, pid, survivor)
                if response.status_code != refusal:
                    wrong.append((source, role, refusal, response.status_code, response.text))
                elif await state_of(seeded, pid) != before:
                    wrong.append((source, role, "wrote something", before))
            response = await attempt(client, auth[winner], move, pid, survivor)
            ok = 201 if move is Move.OPEN_VOTE else 200
            if response.status_code != ok or response.json()["status"] != transition.target:
                wrong.append((source, winner, 200, response.status_code, response.text))
                continue
            timeline = response.json()["timeline"]
            assert timeline[-1]["from"] == source and timeline[-1]["to"] == transition.target
            assert timeline[-1]["actor"]["id"] == people[winner]
    assert wrong == [], "(source, role, expected, got)"


async def test_a_move_from_any_other_state_is_409_naming_it(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    survivor = await proposal_in(seeded, people, S.SUBMITTED)
    proposals = {status: await proposal_in(seeded, people, status) for status in S}
    wrong = []
    for move in API_MOVES:
        transition = TRANSITIONS[move]
        role = "author" if transition.by is By.AUTHOR else "coordinator"
        for status in set(S) - transition.sources:
            pid = proposals[status]
            before = await state_of(seeded, pid)
            response = await attempt(client, auth[role], move, pid, survivor)
            # proposal_in withdraws a draft: never submitted, it stays among its authors.
            if status in (S.DRAFT, S.WITHDRAWN) and role == "coordinator":
                expected, message = 404, None
            else:
                expected, message = 409, gettext(LANGUAGE, _IN_STATE[status])
            if response.status_code != expected:
                wrong.append((move, status, expected, response.status_code))
            elif message and response.json()["error"]["message"] != message:
                wrong.append((move, status, message, response.json()["error"]["message"]))
            if await state_of(seeded, pid) != before:
                wrong.append((move, status, "wrote something"))
    assert wrong == []
