"""The votes' JSON endpoints: open, cast, read, close; their documented 4xx; the vote in the
proposal's JSON; the role matrix of opening, casting and closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from hub.db import utcnow
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import ROLES, S, make_people, proposal_in, tokens
from tests.vote_helpers import make_due, open_vote, written


def later(**delta: int) -> str:
    return (utcnow() + dt.timedelta(**delta)).isoformat()


RULES: dict[str, Any] = {"quorum": 50, "threshold": 50, "counting": "member", "ballot": "open"}


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def test_a_vote_from_opening_to_the_close(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    pid = await proposal_in(seeded, people, S.APPROVED)
    base = f"/api/v1/proposals/{pid}"
    opened = await client.post(
        f"{base}/voting", json={**RULES, "closes_at": later(hours=2)}, headers=auth["coordinator"]
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["status"] == "voting"
    assert opened.json()["vote"]["status"] == "open" and opened.json()["vote"]["eligible"] == 5
    cast = await client.put(
        f"{base}/vote", json={"choice": "yes", "reason": "Dobro."}, headers=auth["member"]
    )
    assert cast.status_code == 200, cast.text
    assert cast.json()["choice"] == "yes" and cast.json()["reason"] == "Dobro."
    again = await client.put(f"{base}/vote", json={"choice": "no"}, headers=auth["member"])
    assert again.json()["choice"] == "no" and again.json()["reason"] == ""
    mine = await client.get(f"{base}/vote", headers=auth["member"])
    assert mine.json()["choice"] == "no"
    assert (await client.get(f"{base}/vote", headers=auth["author"])).json() is None
    tally = (await client.get(f"{base}/tally", headers=auth["outsider"])).json()
    assert (tally["yes"], tally["no"], tally["voted"], tally["turnout"]) == (0, 1, 1, 1)
    ballots = (await client.get(f"{base}/votes", headers=auth["author"])).json()
    assert [(b["voter"]["id"], b["choice"]) for b in ballots["items"]] == [(people["member"], "no")]
    voters = (await client.get(f"{base}/voters", headers=auth["author"])).json()
    assert [v["id"] for v in voters["items"]] == [people["member"]]
    detail = (await client.get(base, headers=auth["author"])).json()
    assert detail["status"] == "voting" and detail["vote"]["no"] == 1
    closed = await client.post(f"{base}/voting/close", headers=auth["coordinator"])
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "failed"
    assert (closed.json()["vote"]["status"], closed.json()["vote"]["result"]) == (
        "closed",
        "failed",
    )
    late = await client.put(f"{base}/vote", json={"choice": "yes"}, headers=auth["author"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict"
    detail = (await client.get(base, headers=auth["author"])).json()
    assert detail["status"] == "failed" and detail["vote"]["result"] == "failed"


async def test_reading_the_proposal_past_its_time_closes_the_vote(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    pid = await open_vote(seeded, people, quorum=0)
    await make_due(seeded, pid)
    detail = (await client.get(f"/api/v1/proposals/{pid}", headers=auth["outsider"])).json()
    assert detail["status"] == "failed" and detail["vote"]["status"] == "closed"
    assert detail["timeline"][-1]["to"] == "failed"


async def test_pages_of_voters_and_ballots(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    pid = await open_vote(seeded, people)
    for role in ("member", "author", "coauthor"):
        put = await client.put(
            f"/api/v1/proposals/{pid}/vote", json={"choice": "yes"}, headers=auth[role]
        )
        assert put.status_code == 200
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        got = await client.get(
            f"/api/v1/proposals/{pid}/voters", params=params, headers=auth["member"]
        )
        seen += [v["id"] for v in got.json()["items"]]
        cursor = got.json()["next"]
        if cursor is None:
            break
    assert seen == [people["member"], people["author"], people["coauthor"]]


BAD_OPEN: list[tuple[dict[str, Any], int, str | None]] = [
    ({"quorum": 101}, 422, "quorum"),
    ({"quorum": -1}, 422, "quorum"),
    ({"threshold": 49}, 422, "threshold"),
    ({"threshold": 100.5}, 422, "threshold"),
    ({"closes_at": "2001-01-01T00:00:00+00:00"}, 422, "closes_at"),
    ({"closes_at": "later"}, 422, "closes_at"),
    ({"closes_at": "2030-01-01T00:00:00"}, 422, "closes_at"),
    ({"counting": "municipality"}, 422, "counting"),
    ({"ballot": "x"}, 422, "ballot"),
    ({"extra": 1}, 422, "extra"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_OPEN)
async def test_bad_opening_is_a_4xx_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient,
    seeded: Runtime,
    people: dict[str, int],
    change: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    auth = await tokens(client, people)
    pid = await proposal_in(seeded, people, S.APPROVED)
    before = await written(seeded)
    body = {**RULES, "closes_at": later(hours=1), **change}
    if "closes_at" in change and change["closes_at"] is None:
        del body["closes_at"]
    got = await client.post(
        f"/api/v1/proposals/{pid}/voting", json=body, headers=auth["coordinator"]
    )
    assert got.status_code == status, got.text
    assert got.json()["error"].get("field") == field
    assert await written(seeded) == before


async def test_more_than_a_year_ahead_is_422(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    pid = await proposal_in(seeded, people, S.APPROVED)
    got = await client.post(
        f"/api/v1/proposals/{pid}/voting",
        json={**RULES, "closes_at": later(days=367)},
        headers=auth["coordinator"],
    )
    assert got.status_code == 422 and got.json()["error"]["field"] == "closes_at"


# Casting and closing by each role at each stage of a vote (opening, passing and failing by
# every role from every state are in tests/test_proposals.py's matrix).
OPEN_ALLOWED = {"coordinator", "admin"}
CAST_ALLOWED = {"author", "coauthor", "invitee", "member", "coordinator"}  # the electorate
HIDDEN = {"other_coordinator", "outsider"}  # may read the network (visible to all signed in)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stage", ["approved", "open", "closed"])
async def test_casting_and_closing_matrix(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], role: str, stage: str
) -> None:
    auth = await tokens(client, people)
    if stage == "approved":
        pid = await proposal_in(seeded, people, S.APPROVED)
    else:
        pid = await open_vote(seeded, people, quorum=0)
    if stage == "closed":
        await make_due(seeded, pid)
    base = f"/api/v1/proposals/{pid}"
    cast = await client.put(f"{base}/vote", json={"choice": "yes"}, headers=auth[role])
    if role in CAST_ALLOWED and stage == "open":
        assert cast.status_code == 200, cast.text
    elif role not in CAST_ALLOWED and stage == "open":
        assert cast.status_code == 403, cast.text
    else:  # no vote open: 409 naming the state, whoever asks
        assert cast.status_code in (403, 409), cast.text
        if role in CAST_ALLOWED:
            assert cast.status_code == 409
    close = await client.post(f"{base}/voting/close", headers=auth[role])
    if role not in OPEN_ALLOWED:
        assert close.status_code == 403, close.text
    elif stage == "open":
        assert close.status_code == 200, close.text
    else:
        assert close.status_code == 409, close.text


async def test_secret_ballots_list_is_403_with_a_message(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    pid = await open_vote(seeded, people, ballot="secret")
    got = await client.get(f"/api/v1/proposals/{pid}/votes", headers=auth["coordinator"])
    assert got.status_code == 403 and "tajno" in got.json()["error"]["message"]


async def test_a_draft_of_others_and_a_proposal_without_a_vote(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    draft = await proposal_in(seeded, people, S.DRAFT)
    approved = await proposal_in(seeded, people, S.APPROVED)
    for path in ("tally", "vote", "votes", "voters"):
        hidden = await client.get(f"/api/v1/proposals/{draft}/{path}", headers=auth["member"])
        assert hidden.status_code == 404
        none = await client.get(f"/api/v1/proposals/{approved}/{path}", headers=auth["member"])
        assert none.status_code == 404
    anonymous = await client.get(f"/api/v1/proposals/{approved}/tally")
    assert anonymous.status_code == 401


async def test_voting_too_fast_is_429_with_retry_after(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    pid = await open_vote(seeded, people)
    limit = seeded.settings.votes_per_minute
    assert limit > 0
    statuses = []
    for i in range(limit + 1):
        put = await client.put(
            f"/api/v1/proposals/{pid}/vote",
            json={"choice": ("yes", "no")[i % 2]},
            headers=auth["member"],
        )
        statuses.append(put.status_code)
    assert statuses[:limit] == [200] * limit
    assert statuses[-1] == 429
    assert int(put.headers["Retry-After"]) >= 1
