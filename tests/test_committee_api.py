"""The committee's work through the API: the inbox's tabs and counts, comments that start the
review, the chair's decision (once, audited, announced), follow-ups after adoption; bad input
answers the documented 4xx and writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hub.events import Event
from hub.models import AuditEntry
from hub.models.committee_work import DECISION_NOTE_MAX, UPDATE_NOTE_MAX
from hub.plumbing.runtime import Runtime
from realtime.channels import Refused, authorize
from tests.committee_helpers import (
    COMMITTEE,
    committee_people,
    conflict_text,
    counts,
    error_of,
    initiative_in,
    status_of,
)
from tests.proposal_helpers import tokens

World = tuple[dict[str, int], dict[str, dict[str, str]]]


@pytest.fixture
async def world(seeded: Runtime, client: httpx.AsyncClient) -> World:
    people = await committee_people(seeded)
    wanted = ("committee_member", "chair", "other_chair", "member", "outsider", "admin")
    return people, await tokens(client, {r: people[r] for r in wanted})


async def test_inbox_tabs_counts_and_pages(
    seeded: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    people, auth = world
    new = [await initiative_in(seeded, people, s) for s in ("compiling", "failed", "delivered")]
    review = await initiative_in(seeded, people, "in_review")
    decided = [await initiative_in(seeded, people, s) for s in ("adopted", "returned", "rejected")]
    await initiative_in(seeded, people, "superseded")
    url = f"/api/v1/committees/{COMMITTEE}/initiatives"
    first = (await client.get(url, params={"limit": 2}, headers=auth["chair"])).json()
    assert first["counts"] == {"new": 3, "in_review": 1, "decided": 3}
    assert [i["id"] for i in first["items"]] == new[::-1][:2]
    rest = await client.get(
        url, params={"limit": 2, "cursor": first["next"]}, headers=auth["chair"]
    )
    assert [i["id"] for i in rest.json()["items"]] == [new[0]] and rest.json()["next"] is None
    tab = await client.get(url, params={"status": "in_review"}, headers=auth["committee_member"])
    assert [i["id"] for i in tab.json()["items"]] == [review]
    tab = await client.get(url, params={"status": "decided"}, headers=auth["committee_member"])
    assert [i["id"] for i in tab.json()["items"]] == decided[::-1]
    error_of(await client.get(url, params={"status": "old"}, headers=auth["chair"]), 422, "status")
    bad = await client.get(url, params={"cursor": "nonsense!"}, headers=auth["chair"])
    error_of(bad, 422, "cursor")
    other = f"/api/v1/committees/{COMMITTEE}/initiatives"
    error_of(await client.get(other, headers=auth["other_chair"]), 403)


async def test_first_comment_starts_the_review_and_is_told_to_the_committee_only(
    seeded: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    people, auth = world
    heard: list[Event] = []

    async def capture(events: Sequence[Event]) -> None:
        heard.extend(events)

    seeded.publisher = capture
    iid = await initiative_in(seeded, people)
    url = f"/api/v1/initiatives/{iid}/comments"
    body = {"body": "**Podržavam**, uz <script>alert(1)</script> izmenu."}
    created = await client.post(url, json=body, headers=auth["committee_member"])
    assert created.status_code == 201, created.text
    assert "<strong>Podržavam</strong>" in created.json()["html"]
    assert "<script" not in created.json()["html"]
    assert await status_of(seeded, iid) == "in_review"
    await client.post(url, json={"body": "I ja."}, headers=auth["chair"])
    listed = (await client.get(url, headers=auth["chair"])).json()["items"]
    assert [c["body"] for c in listed] == [body["body"], "I ja."]
    comments = [e for e in heard if e.type == "initiative.comment"]
    assert [e.channel for e in comments] == [f"committee:{COMMITTEE}"] * 2
    moves = [e for e in heard if e.type == "initiative.status"]
    assert {e.data["status"] for e in moves} == {"in_review"}  # once, on each channel
    assert {e.channel for e in moves} == {
        f"initiative:{iid}",
        f"committee:{COMMITTEE}",
        *(f"proposal:{p['id']}" for p in moves[0].data["proposals"]),
    }
    assert len(moves) == 3
    # The committee's channel is its members': the proposal's network cannot listen in.
    with pytest.raises(Refused):
        await authorize(seeded, people["member"], f"committee:{COMMITTEE}")
    grant, _ = await authorize(seeded, people["committee_member"], f"committee:{COMMITTEE}")
    assert grant.channel == f"committee:{COMMITTEE}"


async def test_the_chair_decides_once(
    seeded: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    people, auth = world
    iid = await initiative_in(seeded, people)
    url = f"/api/v1/initiatives/{iid}/decision"
    started = await client.post(f"/api/v1/initiatives/{iid}/review", headers=auth["chair"])
    assert started.json()["initiative"]["status"] == "in_review"
    again = await client.post(f"/api/v1/initiatives/{iid}/review", headers=auth["chair"])
    assert again.status_code == 200
    # Two chairs' clicks at once: one decision, the other 409 naming the state.
    answers = await asyncio.gather(
        client.post(url, json={"decision": "adopt"}, headers=auth["chair"]),
        client.post(url, json={"decision": "reject", "note": "Ne."}, headers=auth["admin"]),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    won = next(a for a in answers if a.status_code == 200).json()
    lost = next(a for a in answers if a.status_code == 409).json()["error"]
    assert won["initiative"]["status"] in ("adopted", "rejected") and len(won["decisions"]) == 1
    assert lost["message"] == conflict_text(won["initiative"]["status"])
    async with seeded.sessionmaker() as db:
        audited = (
            await db.exec(select(AuditEntry.action).where(AuditEntry.object_id == str(iid)))
        ).all()
    assert audited.count("initiative.decided") == 1
    assert "initiative.review_started" in audited


@pytest.mark.parametrize(
    ("who", "status", "body", "code", "field"),
    [
        ("committee_member", "delivered", {"decision": "adopt"}, 403, None),
        ("member", "delivered", {"decision": "adopt"}, 403, None),
        ("other_chair", "delivered", {"decision": "adopt"}, 404, None),
        ("chair", "adopted", {"decision": "reject", "note": "x"}, 409, None),
        ("chair", "returned", {"decision": "adopt"}, 409, None),
        ("chair", "compiling", {"decision": "adopt"}, 409, None),
        ("chair", "delivered", {"decision": "postpone"}, 422, "decision"),
        ("chair", "delivered", {"decision": "return"}, 422, "note"),
        ("chair", "delivered", {"decision": "reject", "note": "   "}, 422, "note"),
        (
            "chair",
            "delivered",
            {"decision": "adopt", "note": "x" * (DECISION_NOTE_MAX + 1)},
            422,
            "note",
        ),
        ("chair", "delivered", {"decision": "adopt", "extra": 1}, 422, "extra"),
    ],
)
async def test_bad_decisions_write_nothing(
    seeded: Runtime,
    client: httpx.AsyncClient,
    world: World,
    who: str,
    status: str,
    body: dict[str, Any],
    code: int,
    field: str | None,
) -> None:
    people, auth = world
    iid = await initiative_in(seeded, people, status)
    before = await counts(seeded)
    answer = await client.post(f"/api/v1/initiatives/{iid}/decision", json=body, headers=auth[who])
    found = error_of(answer, code, field)
    if code == 409:
        assert found["message"] == conflict_text(status)
    assert await counts(seeded) == before
    assert await status_of(seeded, iid) == status


@pytest.mark.parametrize(
    ("who", "status", "body", "code", "field"),
    [
        ("chair", "in_review", {}, 409, None),
        ("chair", "rejected", {}, 409, None),
        ("committee_member", "adopted", {}, 403, None),
        ("chair", "adopted", {"kind": "forgotten"}, 422, "kind"),
        ("chair", "adopted", {"note": "x" * (UPDATE_NOTE_MAX + 1)}, 422, "note"),
        ("chair", "adopted", {"date": "1.12.2026."}, 422, "date"),
        ("chair", "adopted", {"date": "2999-01-01"}, 422, "date"),
    ],
)
async def test_bad_follow_ups_write_nothing(
    seeded: Runtime,
    client: httpx.AsyncClient,
    world: World,
    who: str,
    status: str,
    body: dict[str, Any],
    code: int,
    field: str | None,
) -> None:
    people, auth = world
    iid = await initiative_in(seeded, people, status)
    before = await counts(seeded)
    full = {"kind": "sent", "note": "Poslato.", "date": "2026-11-01", **body}
    answer = await client.post(f"/api/v1/initiatives/{iid}/updates", json=full, headers=auth[who])
    error_of(answer, code, field)
    assert await counts(seeded) == before


async def test_follow_ups_make_a_timeline_the_network_sees(
    seeded: Runtime, client: httpx.AsyncClient, world: World
) -> None:
    people, auth = world
    iid = await initiative_in(seeded, people)
    await client.post(
        f"/api/v1/initiatives/{iid}/decision", json={"decision": "adopt"}, headers=auth["chair"]
    )
    for kind, date in (("answered", "2026-11-20"), ("sent", "2026-11-02")):
        made = await client.post(
            f"/api/v1/initiatives/{iid}/updates",
            json={"kind": kind, "note": f"{kind}.", "date": date},
            headers=auth["admin" if kind == "sent" else "chair"],
        )
        assert made.status_code == 201, made.text
    seen = (await client.get(f"/api/v1/initiatives/{iid}/timeline", headers=auth["member"])).json()
    assert [f["kind"] for f in seen["follow_ups"]] == ["sent", "answered"]  # by date
    assert [d["decision"] for d in seen["decisions"]] == ["adopt"]
