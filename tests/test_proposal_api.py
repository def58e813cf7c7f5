"""Proposals through the JSON API: bad input writes nothing, drafts stay with their authors,
edits keep history, co-authors are invited and accept, merges follow their rules, and each
move is audited and announced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from hub.events import Event
from hub.models import (
    AuditEntry,
    Proposal,
    ProposalAuthor,
    ProposalRevision,
    ProposalTransition,
    Thread,
)
from hub.models.proposals import SUMMARY_MAX, TITLE_MAX, ProposalStatus
from hub.plumbing.runtime import Runtime
from realtime.channels import Refused, authorize
from tests.proposal_helpers import (
    BODY,
    CLOSED,
    NET,
    make_people,
    new_proposal,
    proposal_in,
    tokens,
)

S = ProposalStatus
TABLES = (Proposal, ProposalAuthor, ProposalRevision, ProposalTransition, Thread, AuditEntry)


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


@pytest.fixture
async def auth(client: httpx.AsyncClient, people: dict[str, int]) -> dict[str, dict[str, str]]:
    return await tokens(client, people)


async def counts(rt: Runtime) -> dict[str, int]:
    async with rt.sessionmaker() as db:
        return {
            t.__name__: int((await db.exec(select(func.count()).select_from(t))).one())
            for t in TABLES
        }


def error(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] and body["message"]
    assert body.get("field") == field, body
    return dict(body)


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in BODY.items() if k != key}


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    *[(without(k), k) for k in ("title", "summary", "problem", "solution", "impact")],
    (without("legal_basis"), "legal_basis.act"),
    ({**BODY, "legal_basis": {"article": "član 1"}}, "legal_basis.act"),
    ({**BODY, "legal_basis": "Zakon"}, "legal_basis"),
    ({**BODY, "legal_basis": {"act": 7}}, "legal_basis.act"),
    ({**BODY, "title": "   "}, "title"),
    ({**BODY, "title": "x" * (TITLE_MAX + 1)}, "title"),
    ({**BODY, "summary": "y" * (SUMMARY_MAX + 1)}, "summary"),
    ({**BODY, "problem": "\n \n"}, "problem"),
    ({**BODY, "legal_basis": {"act": "Zakon", "article": "č" * 101}}, "legal_basis.article"),
    ({**BODY, "impact": ["not", "text"]}, "impact"),
    ({**BODY, "coauthors": "7"}, "coauthors"),
]


async def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, seeded: Runtime, auth: dict[str, dict[str, str]]
) -> None:
    before = await counts(seeded)
    url = f"/api/v1/networks/{NET}/proposals"
    for body, field in BAD_BODIES:
        error(await client.post(url, headers=auth["author"], json=body), 422, field)
    # A co-author from outside the network, someone who does not exist.
    for stranger in ("outsider", "other_coordinator"):
        uid = (await client.get("/api/v1/me", headers=auth[stranger])).json()["user"]["id"]
        body = {**BODY, "coauthors": [uid]}
        error(await client.post(url, headers=auth["author"], json=body), 422, "coauthors")
    body = {**BODY, "coauthors": [999_999]}
    error(await client.post(url, headers=auth["author"], json=body), 422, "coauthors")
    # Not a member: 403 where the network is visible, 404 where it is not; signed out 401.
    error(await client.post(url, headers=auth["outsider"], json=BODY), 403)
    closed = f"/api/v1/networks/{CLOSED}/proposals"
    error(await client.post(closed, headers=auth["outsider"], json=BODY), 404)
    error(await client.post(url, json=BODY), 401)
    error(
        await client.post("/api/v1/networks/nope/proposals", headers=auth["author"], json=BODY), 404
    )
    assert await counts(seeded) == before


async def test_a_draft_is_seen_only_by_its_authors(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    created = await client.post(
        f"/api/v1/networks/{NET}/proposals",
        headers=auth["author"],
        json={**BODY, "coauthors": [people["invitee"]]},
    )
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == S.DRAFT and draft["thread_id"] is None
    assert draft["legal_basis"] == BODY["legal_basis"]
    assert [(a["id"], a["role"], a["accepted"]) for a in draft["authors"]] == [
        (people["author"], "author", True),
        (people["invitee"], "coauthor", False),
    ]
    pid = draft["id"]
    listing = f"/api/v1/networks/{NET}/proposals"
    for role in ("author", "invitee"):
        assert (await client.get(f"/api/v1/proposals/{pid}", headers=auth[role])).status_code == 200
        ids = [p["id"] for p in (await client.get(listing, headers=auth[role])).json()["items"]]
        assert ids == [pid]
    for role in ("member", "coordinator", "admin", "outsider"):
        error(await client.get(f"/api/v1/proposals/{pid}", headers=auth[role]), 404)
        error(await client.get(f"/api/v1/proposals/{pid}/history", headers=auth[role]), 404)
        assert (await client.get(listing, headers=auth[role])).json()["items"] == []
    queue = f"/api/v1/networks/{NET}/review-queue"
    assert (await client.get(queue, headers=auth["coordinator"])).json()["items"] == []
    # Its channel too: the same check as the page.
    assert (await authorize(seeded, people["author"], f"proposal:{pid}"))[0].network_slug == NET
    with pytest.raises(Refused) as refused:
        await authorize(seeded, people["member"], f"proposal:{pid}")
    assert refused.value.code == "not_found"
    # Submitted, it is the network's: listed, queued, and its discussion is on the board.
    submitted = await client.post(f"/api/v1/proposals/{pid}/submit", headers=auth["author"])
    assert submitted.status_code == 200, submitted.text
    thread_id = submitted.json()["thread_id"]
    assert thread_id is not None
    for role in ("member", "coordinator", "admin", "outsider"):
        ids = [p["id"] for p in (await client.get(listing, headers=auth[role])).json()["items"]]
        assert ids == [pid], role
    assert [
        p["id"] for p in (await client.get(queue, headers=auth["coordinator"])).json()["items"]
    ] == [pid]
    thread = (await client.get(f"/api/v1/threads/{thread_id}", headers=auth["member"])).json()
    assert thread["kind"] == "proposal" and thread["title"] == BODY["title"]
    board = f"/api/v1/networks/{NET}/threads"
    found = await client.get(board, headers=auth["member"], params={"filter": "proposals"})
    assert [t["id"] for t in found.json()["items"]] == [thread_id]  # the board's filter is real
    await authorize(seeded, people["member"], f"proposal:{pid}")


async def test_list_filters_by_status_and_pages(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    approved = await proposal_in(seeded, people, S.APPROVED)
    submitted = [await proposal_in(seeded, people, S.SUBMITTED) for _ in range(3)]
    url = f"/api/v1/networks/{NET}/proposals"
    got = await client.get(url, headers=auth["member"], params={"status": "approved"})
    assert [p["id"] for p in got.json()["items"]] == [approved]
    seen: list[int] = []
    params: dict[str, Any] = {"status": "submitted", "limit": 2}
    while True:
        page = (await client.get(url, headers=auth["member"], params=params)).json()
        seen += [p["id"] for p in page["items"]]
        if page["next"] is None:
            break
        params["cursor"] = page["next"]
    assert seen == sorted(submitted, reverse=True)
    error(await client.get(url, headers=auth["member"], params={"status": "nope"}), 422, "status")
    error(await client.get(url, headers=auth["member"], params={"cursor": "x"}), 422, "cursor")
    queue = f"/api/v1/networks/{NET}/review-queue"
    error(await client.get(queue, headers=auth["member"]), 403)
    error(await client.get(queue, headers=auth["other_coordinator"]), 403)
    error(
        await client.get(f"/api/v1/networks/{CLOSED}/review-queue", headers=auth["outsider"]), 404
    )
    items = (await client.get(queue, headers=auth["coordinator"])).json()["items"]
    assert [p["id"] for p in items] == submitted


async def test_edits_keep_history_while_the_authors_hold_it(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    pid = await new_proposal(seeded, people)
    url = f"/api/v1/proposals/{pid}"
    edited = await client.patch(
        url, headers=auth["coauthor"], json={"title": "Novi naslov", "version": 1}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "Novi naslov" and edited.json()["version"] == 2
    # Someone who started from version 1 is told, not overwritten.
    stale = await client.patch(url, headers=auth["author"], json={"impact": "Drugo", "version": 1})
    error(stale, 409)
    before = await counts(seeded)
    error(await client.patch(url, headers=auth["author"], json={"title": ""}), 422, "title")
    error(await client.patch(url, headers=auth["invitee"], json={"title": "Moj"}), 403)
    error(await client.patch(url, headers=auth["member"], json={"title": "Moj"}), 404)
    assert await counts(seeded) == before
    # Nothing changed, nothing written.
    same = await client.patch(url, headers=auth["author"], json={"title": "Novi naslov"})
    assert same.json()["version"] == 2 and await counts(seeded) == before
    history = (await client.get(f"{url}/history", headers=auth["author"])).json()["items"]
    assert [(h["version"], h["title"]) for h in history] == [(1, BODY["title"])]
    await client.post(f"{url}/submit", headers=auth["author"])
    error(await client.patch(url, headers=auth["author"], json={"title": "Kasno"}), 409)
    review = {"action": "request_changes", "note": "Dodajte član zakona."}
    await client.post(f"{url}/review", headers=auth["coordinator"], json=review)
    again = await client.patch(
        url, headers=auth["author"], json={"legal_basis": {"article": "član 13"}}
    )
    assert again.status_code == 200 and again.json()["legal_basis"]["article"] == "član 13"
    resubmitted = await client.post(f"{url}/submit", headers=auth["author"])
    assert resubmitted.json()["status"] == S.SUBMITTED
    timeline = [(t["from"], t["to"], t["note"]) for t in resubmitted.json()["timeline"]]
    assert timeline == [
        (None, "draft", ""),
        ("draft", "submitted", ""),
        ("submitted", "changes_requested", "Dodajte član zakona."),
        ("changes_requested", "submitted", ""),
    ]
    history = (await client.get(f"{url}/history", headers=auth["member"])).json()["items"]
    assert [h["version"] for h in history] == [1, 2]


async def test_coauthors_are_invited_and_accept(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    pid = await new_proposal(seeded, people)
    url = f"/api/v1/proposals/{pid}/coauthors"
    member = {"user_id": people["member"]}
    error(await client.post(url, headers=auth["member"], json=member), 404)  # a draft of others
    error(await client.post(url, headers=auth["invitee"], json=member), 403)  # not accepted yet
    error(
        await client.post(url, headers=auth["author"], json={"user_id": people["outsider"]}),
        422,
        "user_id",
    )
    error(await client.post(url, headers=auth["author"], json={}), 422, "user_id")
    first = await client.post(url, headers=auth["coauthor"], json=member)
    assert first.status_code == 201, first.text
    again = await client.post(url, headers=auth["author"], json=member)
    assert again.status_code == 200 and again.json()["authors"] == first.json()["authors"]
    # The invited member now sees the draft, and may accept; someone not invited may not.
    assert (await client.get(f"/api/v1/proposals/{pid}", headers=auth["member"])).status_code == 200
    error(await client.post(f"{url}/accept", headers=auth["coordinator"]), 404)
    error(
        await client.patch(f"/api/v1/proposals/{pid}", headers=auth["member"], json={"title": "T"}),
        403,
    )
    accepted = await client.post(f"{url}/accept", headers=auth["member"])
    assert accepted.status_code == 200
    mine = [a for a in accepted.json()["authors"] if a["id"] == people["member"]]
    assert mine[0]["accepted"] is True and mine[0]["role"] == "coauthor"
    assert (await client.post(f"{url}/accept", headers=auth["member"])).status_code == 200
    edited = await client.patch(
        f"/api/v1/proposals/{pid}", headers=auth["member"], json={"title": "T"}
    )
    assert edited.status_code == 200
    async with seeded.sessionmaker() as db:
        rows = (
            await db.exec(select(ProposalAuthor).where(ProposalAuthor.proposal_id == pid))
        ).all()
        assert sorted(r.user_id for r in rows) == sorted(
            people[r] for r in ("author", "coauthor", "invitee", "member")
        )
        audit = (
            await db.exec(select(AuditEntry.action).where(AuditEntry.object_id == str(pid)))
        ).all()
        assert audit.count("proposal.coauthor_invited") == 1
        assert audit.count("proposal.coauthor_accepted") == 2  # the helper's coauthor, then member


async def test_merge_rules(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    from tests.conftest import make_user

    extra = await make_user(seeded, "extra@example.org", networks={NET: "member"})
    extra_auth = (await tokens(client, {"extra": extra}))["extra"]
    survivor = await proposal_in(seeded, people, S.SUBMITTED)
    duplicate = (
        await client.post(f"/api/v1/networks/{NET}/proposals", headers=extra_auth, json=BODY)
    ).json()["id"]
    await client.post(f"/api/v1/proposals/{duplicate}/submit", headers=extra_auth)
    url = f"/api/v1/proposals/{duplicate}/review"
    head = auth["coordinator"]
    elsewhere = await new_proposal(seeded, people, network=CLOSED)
    draft = await new_proposal(seeded, people)
    rejected = await proposal_in(seeded, people, S.REJECTED)
    before = await counts(seeded)
    for into, field in [
        (None, "into"),
        (duplicate, "into"),  # itself
        (elsewhere, "into"),  # another network
        (draft, "into"),  # a draft nobody but its authors sees
        (rejected, "into"),  # not alive
        (999_999, "into"),
    ]:
        body = {"action": "merge", "note": "Duplikat."} | ({"into": into} if into else {})
        error(await client.post(url, headers=head, json=body), 422, field)
    error(
        await client.post(url, headers=auth["member"], json={"action": "merge", "into": survivor}),
        403,
    )
    error(await client.post(url, headers=head, json={"action": "merge", "into": "1"}), 422, "into")
    assert await counts(seeded) == before
    merged = await client.post(
        url, headers=head, json={"action": "merge", "into": survivor, "note": "Isto."}
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == S.MERGED and merged.json()["merged_into_id"] == survivor
    kept = (await client.get(f"/api/v1/proposals/{survivor}", headers=auth["member"])).json()
    assert kept["status"] == S.SUBMITTED and kept["merged_from"] == [duplicate]
    authors = {a["id"]: a for a in kept["authors"]}
    assert authors[extra]["via_proposal_id"] == duplicate and authors[extra]["accepted"]
    assert authors[people["author"]]["role"] == "author"  # the survivor's own stay as they were
    # Once merged it moves no more; a proposal being voted on is never merged.
    error(await client.post(url, headers=head, json={"action": "merge", "into": survivor}), 409)
    voting = await proposal_in(seeded, people, S.VOTING)
    body = {"action": "merge", "into": survivor}
    error(await client.post(f"/api/v1/proposals/{voting}/review", headers=head, json=body), 409)


async def test_review_needs_a_known_action_and_a_reason(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    pid = await proposal_in(seeded, people, S.SUBMITTED)
    url = f"/api/v1/proposals/{pid}/review"
    head = auth["coordinator"]
    before = await counts(seeded)
    error(await client.post(url, headers=head, json={"action": "publish"}), 422, "action")
    error(await client.post(url, headers=head, json={}), 422, "action")
    error(await client.post(url, headers=head, json={"action": "reject"}), 422, "note")
    error(
        await client.post(url, headers=head, json={"action": "request_changes", "note": " "}),
        422,
        "note",
    )
    error(
        await client.post(url, headers=head, json={"action": "approve", "note": "n" * 2001}),
        422,
        "note",
    )
    error(await client.post(url, headers=auth["member"], json={"action": "approve"}), 403)
    error(await client.post(url, json={"action": "approve"}), 401)
    error(
        await client.post(
            "/api/v1/proposals/999999/review", headers=head, json={"action": "approve"}
        ),
        404,
    )
    # Not a number at all: the API names the path parameter (hub.web.forms.path_id).
    error(
        await client.post("/api/v1/proposals/abc/review", headers=head, json={"action": "approve"}),
        422,
        "proposal_id",
    )
    assert await counts(seeded) == before
    rejected = await client.post(
        url, headers=head, json={"action": "reject", "note": "Nije u nadležnosti."}
    )
    assert rejected.json()["timeline"][-1]["note"] == "Nije u nadležnosti."


async def test_each_move_is_audited_and_announced(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int], auth: dict[str, Any]
) -> None:
    heard: list[Event] = []

    async def capture(events: Sequence[Event]) -> None:
        heard.extend(events)

    seeded.publisher = capture
    private = await new_proposal(seeded, people)
    await client.post(
        f"/api/v1/proposals/{private}/withdraw", headers=auth["author"], json={"note": "Ipak ne."}
    )
    status_events = [e for e in heard if e.type == "proposal.status"]
    assert [e.channel for e in status_events] == [f"proposal:{private}"]  # a draft stays private
    heard.clear()
    pid = await new_proposal(seeded, people)
    await client.post(f"/api/v1/proposals/{pid}/submit", headers=auth["author"])
    await client.post(
        f"/api/v1/proposals/{pid}/review", headers=auth["coordinator"], json={"action": "approve"}
    )
    moves = [(e.channel, e.data["transition"]["to"]) for e in heard if e.type == "proposal.status"]
    assert moves == [
        (f"proposal:{pid}", "submitted"),
        (f"network:{NET}", "submitted"),
        (f"proposal:{pid}", "approved"),
        (f"network:{NET}", "approved"),
    ]
    assert [e.type for e in heard].count("thread.created") == 1
    async with seeded.sessionmaker() as db:
        rows = (
            await db.exec(
                select(AuditEntry.action, AuditEntry.actor_id).where(
                    AuditEntry.object_type == "proposals", AuditEntry.object_id == str(pid)
                )
            )
        ).all()
    assert ("proposal.submit", people["author"]) in rows
    assert ("proposal.approve", people["coordinator"]) in rows
