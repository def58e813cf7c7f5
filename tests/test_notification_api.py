"""The notifications API: the caller's own, newest first, paged; marking read changes only the
caller's; bad input is 422 and changes nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from hub.actions.context import act
from hub.actions.threads import do_create_thread
from hub.models import Notification, User
from hub.plumbing.runtime import Runtime
from tests.proposal_helpers import NET, make_people, tokens


@pytest.fixture
async def people(seeded: Runtime) -> dict[str, int]:
    return await make_people(seeded)


async def mention(rt: Runtime, by: int, whom: list[int], times: int = 1) -> None:
    async with act(rt, system=True) as ctx:
        handles = [(await ctx.db.get(User, u)).handle for u in whom]  # type: ignore[union-attr]
    for i in range(times):
        async with act(rt, actor_id=by) as ctx:
            body = " ".join(f"@{h}" for h in handles)
            await do_create_thread(ctx, NET, title=f"Tema {i}", body=body)


async def read_marks(rt: Runtime) -> dict[int, int]:
    """Per person, how many notifications are read."""
    async with rt.sessionmaker() as db:
        rows = (await db.exec(select(Notification))).all()
    out: dict[int, int] = {}
    for n in rows:
        out[n.user_id] = out.get(n.user_id, 0) + (n.read_at is not None)
    return out


async def test_list_pages_and_marks_only_the_callers_own(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    await mention(seeded, people["author"], [people["member"], people["coordinator"]], times=3)
    got = await client.get("/api/v1/notifications", headers=auth["member"])
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["unread"] == 3 and len(body["items"]) == 3 and body["next"] is None
    ids = [n["id"] for n in body["items"]]
    assert ids == sorted(ids, reverse=True)
    assert {n["kind"] for n in body["items"]} == {"mentioned"}
    assert body["items"][0]["url"].startswith("/threads/")

    theirs = await client.get("/api/v1/notifications", headers=auth["coordinator"])
    their_ids = [n["id"] for n in theirs.json()["items"]]
    assert not set(their_ids) & set(ids)
    # someone else's ids: 200, nothing marked, theirs stay unread
    other = await client.post(
        "/api/v1/notifications/read", json={"ids": their_ids}, headers=auth["member"]
    )
    assert other.status_code == 200 and other.json() == {"marked": 0, "unread": 3}
    assert await read_marks(seeded) == {people["member"]: 0, people["coordinator"]: 0}

    one = await client.post(
        "/api/v1/notifications/read", json={"ids": [ids[0]]}, headers=auth["member"]
    )
    assert one.json() == {"marked": 1, "unread": 2}
    unread = await client.get("/api/v1/notifications?unread=true", headers=auth["member"])
    assert [n["id"] for n in unread.json()["items"]] == ids[1:]
    every = await client.post(
        "/api/v1/notifications/read", json={"all": True}, headers=auth["member"]
    )
    assert every.json() == {"marked": 2, "unread": 0}
    assert await read_marks(seeded) == {people["member"]: 3, people["coordinator"]: 0}


async def test_paging_with_the_cursor(
    client: httpx.AsyncClient, seeded: Runtime, people: dict[str, int]
) -> None:
    auth = await tokens(client, people)
    await mention(seeded, people["author"], [people["member"]], times=32)
    first = (await client.get("/api/v1/notifications", headers=auth["member"])).json()
    assert len(first["items"]) == 30 and first["next"]
    rest = await client.get(f"/api/v1/notifications?cursor={first['next']}", headers=auth["member"])
    seen = [n["id"] for n in first["items"] + rest.json()["items"]]
    assert len(seen) == len(set(seen)) == 32 and rest.json()["next"] is None


@pytest.mark.parametrize(
    ("method", "path", "json", "field"),
    [
        ("GET", "/api/v1/notifications?unread=maybe", None, "unread"),
        ("GET", "/api/v1/notifications?cursor=abc", None, "cursor"),
        ("POST", "/api/v1/notifications/read", {}, "ids"),
        ("POST", "/api/v1/notifications/read", {"ids": []}, "ids"),
        ("POST", "/api/v1/notifications/read", {"ids": ["x"]}, "ids"),
        ("POST", "/api/v1/notifications/read", {"all": "yes"}, "all"),
        ("POST", "/api/v1/notifications/read", {"ids": list(range(1, 102))}, "ids"),
    ],
)
async def test_bad_input_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    seeded: Runtime,
    people: dict[str, int],
    method: str,
    path: str,
    json: object,
    field: str,
) -> None:
    auth = await tokens(client, people)
    await mention(seeded, people["author"], [people["member"]])
    response = await client.request(method, path, json=json, headers=auth["member"])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert await read_marks(seeded) == {people["member"]: 0}


async def test_signed_out_is_401(client: httpx.AsyncClient, seeded: Runtime) -> None:
    assert (await client.get("/api/v1/notifications")).status_code == 401
    assert (await client.post("/api/v1/notifications/read", json={"all": True})).status_code == 401
