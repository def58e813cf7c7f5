"""Who may do what with an initiative: committee member, chair, a member of the proposal's
network, an outsider and an anonymous visitor, on the inbox, the initiative (its document and
timeline), the comments, the decision, the follow-ups and the public archive."""

from __future__ import annotations

import httpx
import pytest

from hub.plumbing.runtime import Runtime
from tests.committee_helpers import COMMITTEE, committee_people, initiative_in
from tests.proposal_helpers import tokens

ROLES = ("committee_member", "chair", "network", "outsider", "anonymous")
# role -> expected status, per action
MATRIX: dict[str, dict[str, int]] = {
    "inbox": dict(committee_member=200, chair=200, network=403, outsider=403, anonymous=401),
    "timeline": dict(committee_member=200, chair=200, network=200, outsider=404, anonymous=401),
    "read_comments": dict(
        committee_member=200, chair=200, network=403, outsider=404, anonymous=401
    ),
    "comment": dict(committee_member=201, chair=201, network=403, outsider=404, anonymous=401),
    "decide": dict(committee_member=403, chair=200, network=403, outsider=404, anonymous=401),
    "follow_up": dict(committee_member=403, chair=201, network=403, outsider=404, anonymous=401),
    "archive": dict(committee_member=200, chair=200, network=200, outsider=200, anonymous=200),
    "archived": dict(committee_member=200, chair=200, network=200, outsider=200, anonymous=200),
}


World = tuple[dict[str, int], dict[str, dict[str, str]]]


@pytest.fixture
async def world(seeded: Runtime, client: httpx.AsyncClient) -> World:
    """The people, and each role's request headers (`network`: a member of the proposal's)."""
    people = await committee_people(seeded)
    named = {**people, "network": people["member"]}
    auth = await tokens(client, {r: named[r] for r in ROLES if r not in ("network", "anonymous")})
    auth["network"] = (await tokens(client, {"member": people["member"]}))["member"]
    auth["anonymous"] = {}
    return people, auth


async def _call(
    client: httpx.AsyncClient, what: str, iid: int, headers: dict[str, str]
) -> httpx.Response:
    base = f"/api/v1/initiatives/{iid}"
    if what == "inbox":
        return await client.get(f"/api/v1/committees/{COMMITTEE}/initiatives", headers=headers)
    if what == "timeline":
        return await client.get(f"{base}/timeline", headers=headers)
    if what == "read_comments":
        return await client.get(f"{base}/comments", headers=headers)
    if what == "comment":
        return await client.post(f"{base}/comments", json={"body": "Slažem se."}, headers=headers)
    if what == "decide":
        return await client.post(f"{base}/decision", json={"decision": "adopt"}, headers=headers)
    if what == "follow_up":
        body = {"kind": "sent", "note": "Poslato ministarstvu.", "date": "2026-11-20"}
        return await client.post(f"{base}/updates", json=body, headers=headers)
    if what == "archive":
        return await client.get("/api/v1/public/initiatives", headers=headers)
    if what == "archived":
        return await client.get(f"/api/v1/public/initiatives/{iid}", headers=headers)
    raise AssertionError(what)


@pytest.mark.parametrize("what", list(MATRIX))
async def test_matrix(seeded: Runtime, client: httpx.AsyncClient, world: World, what: str) -> None:
    people, headers = world
    adopted = what in ("follow_up", "archive", "archived")
    got = {}
    for role in ROLES:
        iid = await initiative_in(seeded, people, "adopted" if adopted else "delivered")
        response = await _call(client, what, iid, headers[role])
        got[role] = response.status_code
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message"}
    assert got == MATRIX[what]
