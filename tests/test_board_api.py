"""The boards' JSON API (contract.md): the role matrix, shapes, errors and what they write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.actions.attachments import MAX_ATTACHMENT_BYTES
from hub.actions.context import act
from hub.actions.moderation import do_lock
from hub.plumbing.runtime import Runtime
from tests.conftest import api_token, make_user
from tests.test_board_pages import (
    NETWORKS,
    PDF,
    ROLES,
    World,
    count_rows,
    email_of,
    make_world,
    readable,
    stored_files,
    write,
)


@pytest.fixture
async def world(seeded: Runtime) -> World:
    return await make_world(seeded)


async def headers_of(client: httpx.AsyncClient, role: str) -> dict[str, str]:
    return {} if role == "anonymous" else await api_token(client, email_of(role))


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return dict(body["error"])


def expected(role: str, visibility: str, op: str) -> int:
    success = {"list": 200, "get": 200, "posts": 200, "reply": 201, "edit": 200}
    success |= {"delete": 204, "hide": 200, "pin": 200, "history": 200, "mentionable": 200}
    success |= {"network_mentionable": 200}
    if role == "anonymous":
        return 401
    if not readable(role, visibility):
        return 404
    if op in ("list", "get", "posts", "history", "mentionable", "network_mentionable"):
        return success[op]
    if op == "reply":
        return 201 if role != "outsider" else 403
    return success[op] if role in ("coordinator", "admin") else 403


async def call(
    c: httpx.AsyncClient, headers: dict[str, str], world: World, visibility: str, op: str
) -> httpx.Response:
    slug, thread = NETWORKS[visibility], world.threads[visibility]
    post, doomed = world.posts[visibility], world.doomed[visibility]
    requests: dict[str, tuple[str, str, dict[str, Any] | None]] = {
        "list": ("GET", f"/api/v1/networks/{slug}/threads", None),
        "get": ("GET", f"/api/v1/threads/{thread}", None),
        "posts": ("GET", f"/api/v1/threads/{thread}/posts", None),
        "history": ("GET", f"/api/v1/posts/{post}/history", None),
        "mentionable": ("GET", f"/api/v1/threads/{thread}/mentionable?q=a", None),
        "network_mentionable": ("GET", f"/api/v1/networks/{slug}/mentionable?q=a", None),
        "reply": ("POST", f"/api/v1/threads/{thread}/posts", {"body": "Odgovor"}),
        "edit": ("PATCH", f"/api/v1/posts/{post}", {"body": "Izmenjeno"}),
        "hide": ("POST", f"/api/v1/posts/{post}/hide", {"reason": "Van teme"}),
        "pin": ("POST", f"/api/v1/threads/{thread}/pin", None),
        "delete": ("DELETE", f"/api/v1/posts/{doomed}", None),
    }
    method, path, body = requests[op]
    return await c.request(method, path, headers=headers, json=body)


async def test_visibility_and_role_matrix(client: httpx.AsyncClient, world: World) -> None:
    wrong = []
    ops = ["list", "get", "posts", "history", "mentionable", "reply", "edit", "hide", "pin"]
    ops.append("network_mentionable")
    for role in ROLES:
        headers = await headers_of(client, role)
        for visibility in NETWORKS:
            for op in [*ops, "delete"]:
                response = await call(client, headers, world, visibility, op)
                if response.status_code != expected(role, visibility, op):
                    wrong.append(f"{role} {op} {visibility}: {response.status_code}")
                elif response.status_code >= 400:
                    error_of(response, response.status_code)
    assert wrong == []


async def test_threads_and_posts_round_trip(client: httpx.AsyncClient, world: World) -> None:
    member = await api_token(client, email_of("member"))
    upload = await client.post(
        "/api/v1/attachments", headers=member, files={"file": ("plan.pdf", PDF, "application/pdf")}
    )
    assert upload.status_code == 201
    file = upload.json()
    assert file["filename"] == "plan.pdf" and file["size"] == len(PDF)
    assert file["content_type"] == "application/pdf"
    created = await client.post(
        "/api/v1/networks/sport/threads",
        headers=member,
        json={"title": "API tema", "body": "Prvi **post**", "attachments": [file["id"]]},
    )
    assert created.status_code == 201, created.text
    thread, post = created.json()["thread"], created.json()["post"]
    assert thread["network"] == "sport" and thread["title"] == "API tema"
    assert post["html"] == "<p>Prvi <strong>post</strong></p>\n"
    assert post["attachments"] == [
        {
            "id": file["id"],
            "filename": "plan.pdf",
            "size": len(PDF),
            "content_type": "application/pdf",
        }
    ]
    listed = await client.get("/api/v1/networks/sport/threads", headers=member)
    assert set(listed.json()) == {"items", "next"}
    assert listed.json()["items"][0]["id"] == thread["id"]
    assert "unread" in listed.json()["items"][0]
    reply = await client.post(
        f"/api/v1/threads/{thread['id']}/posts",
        headers=member,
        json={"body": "Drugi", "reply_to": post["id"]},
    )
    assert reply.status_code == 201 and reply.json()["reply_to"] == post["id"]
    posts = await client.get(f"/api/v1/threads/{thread['id']}/posts?limit=1", headers=member)
    assert [p["id"] for p in posts.json()["items"]] == [post["id"]]
    after = posts.json()["next"]
    assert after == str(post["id"])
    rest = await client.get(f"/api/v1/threads/{thread['id']}/posts?after={after}", headers=member)
    assert [p["id"] for p in rest.json()["items"]] == [reply.json()["id"]]
    assert rest.json()["next"] is None
    edited = await client.patch(
        f"/api/v1/posts/{post['id']}", headers=member, json={"body": "Novo"}
    )
    assert edited.json()["body"] == "Novo" and edited.json()["edit_count"] == 1
    history = await client.get(f"/api/v1/posts/{post['id']}/history", headers=member)
    assert [r["body"] for r in history.json()["items"]] == ["Prvi **post**"]
    on = await client.put(f"/api/v1/posts/{post['id']}/reactions/heart", headers=member)
    assert on.json() == {"post_id": post["id"], "reactions": {"heart": 1}}
    off = await client.delete(f"/api/v1/posts/{post['id']}/reactions/heart", headers=member)
    assert off.json()["reactions"] == {}
    error_of(await client.put(f"/api/v1/posts/{post['id']}/reactions/angry", headers=member), 422)
    gone = await client.delete(f"/api/v1/posts/{reply.json()['id']}", headers=member)
    assert gone.status_code == 204
    rest = await client.get(f"/api/v1/threads/{thread['id']}/posts?after={after}", headers=member)
    assert rest.json()["items"][0]["deleted"] is True and rest.json()["items"][0]["body"] == ""
    mentionable = await client.get(
        f"/api/v1/threads/{thread['id']}/mentionable?q=coord", headers=member
    )
    assert [p["handle"] for p in mentionable.json()["items"]] == ["coordinator"]
    in_network = await client.get("/api/v1/networks/sport/mentionable?q=coord", headers=member)
    assert in_network.json() == mentionable.json()


async def test_moderation_endpoints(client: httpx.AsyncClient, world: World) -> None:
    coordinator = await api_token(client, email_of("coordinator"))
    thread, post = world.threads["association"], world.posts["association"]
    pinned = await client.post(f"/api/v1/threads/{thread}/pin", headers=coordinator)
    assert pinned.json()["pinned"] is True
    unpinned = await client.post(f"/api/v1/threads/{thread}/unpin", headers=coordinator)
    assert unpinned.json()["pinned"] is False
    locked = await client.post(f"/api/v1/threads/{thread}/lock", headers=coordinator)
    assert locked.json()["locked"] is True
    member = await api_token(client, email_of("member"))
    error_of(
        await client.post(f"/api/v1/threads/{thread}/posts", headers=member, json={"body": "x"}),
        409,
    )
    unlocked = await client.post(f"/api/v1/threads/{thread}/unlock", headers=coordinator)
    assert unlocked.json()["locked"] is False
    hidden = await client.post(
        f"/api/v1/posts/{post}/hide", headers=coordinator, json={"reason": "Van teme"}
    )
    assert hidden.json()["hidden"] is True and hidden.json()["body"]  # moderators see the text
    seen = await client.get(f"/api/v1/threads/{thread}/posts", headers=member)
    mine = next(p for p in seen.json()["items"] if p["id"] == post)
    assert mine["hidden"] is True and mine["body"] == "" and mine["attachments"] == []
    error_of(await client.post(f"/api/v1/posts/{post}/hide", headers=coordinator, json={}), 422)
    shown = await client.post(f"/api/v1/posts/{post}/unhide", headers=coordinator)
    assert shown.json()["hidden"] is False
    flagged = await client.post(
        f"/api/v1/posts/{post}/flags", headers=member, json={"reason": "Uvredljivo"}
    )
    assert flagged.status_code == 201 and flagged.json() == {"post_id": post, "hidden": False}
    again = await client.post(f"/api/v1/posts/{post}/flags", headers=member, json={"reason": "x"})
    error_of(again, 409)
    error_of(await client.post(f"/api/v1/threads/{thread}/move", headers=coordinator, json={}), 422)
    error_of(
        await client.post(
            f"/api/v1/threads/{thread}/move", headers=coordinator, json={"network": "sport-x"}
        ),
        404,
    )
    moved = await client.post(
        f"/api/v1/threads/{thread}/move", headers=coordinator, json={"network": "mladi"}
    )
    assert moved.json()["network"] == "mladi"


async def test_bad_input_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    rt = world.runtime
    member = await api_token(client, email_of("member"))
    before, files = await count_rows(rt), stored_files(rt)
    thread, other = world.threads["association"], world.posts["association"]
    cases: list[tuple[str, str, Any, int]] = [
        ("POST", "/api/v1/networks/sport/threads", {"title": "", "body": "b"}, 422),
        ("POST", "/api/v1/networks/sport/threads", {"title": "t" * 201, "body": "b"}, 422),
        ("POST", "/api/v1/networks/sport/threads", {"title": "t", "body": ""}, 422),
        ("POST", "/api/v1/networks/sport/threads", {"title": "t", "body": "b" * 20_001}, 422),
        ("POST", "/api/v1/networks/sport/threads", {"title": 5, "body": "b"}, 422),
        (
            "POST",
            "/api/v1/networks/sport/threads",
            {"title": "t", "body": "b", "attachments": [999]},
            422,
        ),
        (
            "POST",
            "/api/v1/networks/sport/threads",
            {"title": "t", "body": "b", "attachments": "1"},
            422,
        ),
        ("POST", "/api/v1/networks/no-such/threads", {"title": "t", "body": "b"}, 404),
        ("POST", "/api/v1/threads/999999/posts", {"body": "b"}, 404),
        ("POST", "/api/v1/threads/99999999999/posts", {"body": "b"}, 404),
        ("POST", "/api/v1/threads/abc/posts", {"body": "b"}, 422),
        ("POST", "/api/v1/threads/%C2%B2/posts", {"body": "b"}, 422),
        ("POST", f"/api/v1/threads/{thread}/posts", {"body": "b", "reply_to": "x"}, 422),
        ("POST", f"/api/v1/threads/{thread}/posts", {"body": "b", "reply_to": 999999}, 422),
        ("POST", f"/api/v1/threads/{thread}/posts", [1, 2], 422),
        ("PATCH", f"/api/v1/posts/{other}", {"body": "Tuđe"}, 403),
        ("GET", f"/api/v1/threads/{thread}/posts?limit=0", None, 422),
        ("GET", f"/api/v1/threads/{thread}/posts?after=-1", None, 422),
        ("GET", "/api/v1/networks/sport/threads?filter=x", None, 422),
        ("GET", "/api/v1/networks/sport/threads?cursor=!!", None, 422),
        ("GET", "/api/v1/search?q=", None, 422),
        ("GET", "/api/v1/search?q=plan&cursor=abc", None, 422),
        ("GET", "/api/v1/search?q=plan&author=nobody", None, 422),
    ]
    for method, path, body, status in cases:
        response = await client.request(method, path, headers=member, json=body)
        error_of(response, status)
    big = b"%PDF-1.4\n" + b"0" * MAX_ATTACHMENT_BYTES
    uploads = [
        ({"file": ("big.pdf", big, "application/pdf")}, 413),
        ({"file": ("run.exe", b"MZ\x90\x00", "application/octet-stream")}, 422),
        ({"file": ("page.html", b"<script>alert(1)</script>", "text/html")}, 422),
        ({"file": ("fake.pdf", b"<svg onload=alert(1)>", "application/pdf")}, 422),
        ({"file": ("empty.pdf", b"", "application/pdf")}, 422),
        ({"other": ("plan.pdf", PDF, "application/pdf")}, 422),
    ]
    for upload, status in uploads:
        error_of(await client.post("/api/v1/attachments", headers=member, files=upload), status)
    huge = b"0" * (MAX_ATTACHMENT_BYTES * 6)  # over the body limit of upload paths: refused early
    error_of(
        await client.post("/api/v1/attachments", headers=member, files={"file": ("h.pdf", huge)}),
        413,
    )
    assert await count_rows(rt) == before
    assert stored_files(rt) == files


async def test_locked_thread_refuses_posts(client: httpx.AsyncClient, world: World) -> None:
    thread = world.threads["public"]
    async with act(world.runtime, actor_id=world.users["coordinator"]) as ctx:
        await do_lock(ctx, thread, locked=True)
    before = await count_rows(world.runtime)
    member = await api_token(client, email_of("member"))
    response = await client.post(
        f"/api/v1/threads/{thread}/posts", headers=member, json={"body": "x"}
    )
    assert error_of(response, 409)["code"] == "conflict"
    assert await count_rows(world.runtime) == before


async def test_search_either_script(client: httpx.AsyncClient, world: World) -> None:
    await write(world.runtime, world.users["author"], world.threads["public"], "Članovi veća")
    headers = await api_token(client, email_of("outsider"))
    for query in ("чланови", "clanovi", "ČLANOVI"):
        found = await client.get("/api/v1/search", params={"q": query}, headers=headers)
        items = found.json()["items"]
        assert [i["snippet"] for i in items] == ["<mark>Članovi</mark> veća"], query
        assert items[0]["thread"]["network"] == "mladi" and items[0]["kind"] == "post"
        assert items[0]["author"]["handle"] == "author"
    error_of(await client.get("/api/v1/search", params={"q": "x"}), 401)


async def test_session_calls_need_the_csrf_header(app: Any, world: World) -> None:
    from tests.test_board_pages import browser_as

    thread = world.threads["public"]
    async with browser_as(app, "member") as c:
        refused = await c.post(f"/api/v1/threads/{thread}/posts", json={"body": "Bez zaglavlja"})
        assert refused.status_code == 403
        page = await c.get(f"/threads/{thread}")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        done = await c.post(
            f"/api/v1/threads/{thread}/posts",
            json={"body": "Sa zaglavljem"},
            headers={"X-CSRF-Token": token},
        )
        assert done.status_code == 201


async def test_openapi_documents_the_board(client: httpx.AsyncClient, seeded: Runtime) -> None:
    await make_user(seeded, "x@example.org")
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    for path, method in [
        ("/api/v1/networks/{slug}/threads", "post"),
        ("/api/v1/threads/{thread_id}/posts", "get"),
        ("/api/v1/posts/{post_id}", "patch"),
        ("/api/v1/posts/{post_id}/reactions/{kind}", "put"),
        ("/api/v1/attachments", "post"),
        ("/api/v1/search", "get"),
        ("/api/v1/threads/{thread_id}/mentionable", "get"),
    ]:
        assert paths[path][method]["summary"], path
