"""The boards' HTML pages: the visibility x role matrix, forms, windows, and SQL query counts."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, update
from sqlmodel import col, select

from hub.actions.attachments import do_store_upload
from hub.actions.context import act
from hub.actions.moderation import do_lock
from hub.actions.post_changes import do_react
from hub.actions.posts import do_reply
from hub.actions.threads import do_create_thread
from hub.models import Attachment, Post, SearchDocument, Thread
from hub.plumbing.runtime import Runtime
from hub.reads.threads import WINDOW
from hub.text.markdown import render
from tests.conftest import csrf_of, make_user, sign_in

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NETWORKS = {"members": "romska-pitanja", "association": "sport", "public": "mladi"}
ROLES = ["anonymous", "outsider", "member", "coordinator", "admin"]
MEMBER = "member@example.org"
POST_ID = re.compile(r'data-post-id="(\d+)"')


@dataclass
class World:
    """Three networks of each visibility, each with a thread, posts by `author` and a file."""

    runtime: Runtime
    users: dict[str, int] = field(default_factory=dict)
    threads: dict[str, int] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)  # to edit and hide
    doomed: dict[str, int] = field(default_factory=dict)  # to delete
    files: dict[str, int] = field(default_factory=dict)


def email_of(role: str) -> str:
    return f"{role}@example.org"


async def make_world(runtime: Runtime) -> World:
    world = World(runtime)
    every = dict.fromkeys(NETWORKS.values(), "member")
    world.users["author"] = await make_user(
        runtime, email_of("author"), networks=every, municipality="novi-sad"
    )
    world.users["member"] = await make_user(runtime, MEMBER, networks=every, municipality="nis")
    world.users["coordinator"] = await make_user(
        runtime, email_of("coordinator"), networks=dict.fromkeys(NETWORKS.values(), "coordinator")
    )
    world.users["outsider"] = await make_user(runtime, email_of("outsider"), networks={})
    world.users["admin"] = await make_user(runtime, email_of("admin"), admin=True)
    for visibility, slug in NETWORKS.items():
        async with act(runtime, actor_id=world.users["coordinator"]) as ctx:
            thread, _ = await do_create_thread(ctx, slug, title=f"Tema {visibility}", body="Uvod")
        world.threads[visibility] = thread.id or 0
        async with act(runtime, actor_id=world.users["author"]) as ctx:
            upload = await do_store_upload(ctx, filename="plan.pdf", stream=io.BytesIO(PDF))
            post = (
                await do_reply(
                    ctx, thread.id or 0, body="Naš **plan**", attachment_ids=[upload.id or 0]
                )
            ).post
            doomed = (await do_reply(ctx, thread.id or 0, body="Za brisanje")).post
        world.posts[visibility], world.doomed[visibility] = post.id or 0, doomed.id or 0
        world.files[visibility] = upload.id or 0
    return world


@pytest.fixture
async def world(seeded: Runtime) -> World:
    return await make_world(seeded)


@asynccontextmanager
async def browser_as(app: Any, role: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own (its own cookies), signed in as `role` unless anonymous."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        if role != "anonymous":
            await sign_in(c, email_of(role))
        yield c


def readable(role: str, visibility: str) -> bool:
    if visibility == "public":
        return True
    if visibility == "association":
        return role != "anonymous"
    return role in ("member", "coordinator", "admin")


def expected(role: str, visibility: str, op: str) -> int | str:
    """The page's answer: a status, or "signin" for a redirect to the sign-in page."""
    if op in ("board", "thread", "download"):
        return 200 if readable(role, visibility) else 404
    if op == "post":
        return 303 if readable(role, visibility) else 404
    if role == "anonymous":
        return "signin"
    if not readable(role, visibility):
        return 404
    writes = role in ("member", "coordinator", "admin")
    if op in ("reply", "new_thread"):
        return (303 if op == "reply" else 200) if writes else 403
    moderates = role in ("coordinator", "admin")
    success = 200 if op == "edit_others" else 303
    return success if moderates else 403


def outcome(response: httpx.Response) -> int | str:
    if response.status_code == 303 and response.headers["location"].startswith("/signin"):
        return "signin"
    return response.status_code


async def attempt(c: httpx.AsyncClient, world: World, visibility: str, op: str) -> httpx.Response:
    slug, thread = NETWORKS[visibility], world.threads[visibility]
    post, doomed = world.posts[visibility], world.doomed[visibility]
    if op == "board":
        return await c.get(f"/networks/{slug}")
    if op == "thread":
        return await c.get(f"/threads/{thread}")
    if op == "post":
        return await c.get(f"/posts/{post}")
    if op == "download":
        return await c.get(f"/attachments/{world.files[visibility]}/plan.pdf")
    if op == "new_thread":
        return await c.get(f"/networks/{slug}/threads/new")
    if op == "edit_others":
        return await c.get(f"/posts/{post}/edit")
    token = await csrf_of(c, "/networks")
    if op == "reply":
        return await c.post(
            f"/threads/{thread}/posts",
            files={"attachments": ("", b"", "application/octet-stream")},
            data={"csrf_token": token, "body": "Slažem se."},
        )
    paths = {
        "delete": (f"/posts/{doomed}/delete", {}),
        "hide": (f"/posts/{post}/hide", {"reason": "Van teme"}),
        "pin": (f"/threads/{thread}/pin", {"on": "1"}),
    }
    path, data = paths[op]
    return await c.post(path, data={**data, "csrf_token": token})


OPS = ["board", "thread", "post", "download", "new_thread", "reply", "edit_others"]
OPS += ["hide", "pin", "delete"]


async def test_visibility_and_role_matrix(app: Any, world: World) -> None:
    wrong = []
    for role in ROLES:
        async with browser_as(app, role) as c:
            for visibility in NETWORKS:
                for op in OPS:
                    got = outcome(await attempt(c, world, visibility, op))
                    if got != expected(role, visibility, op):
                        wrong.append(f"{role} {op} {visibility}: {got}")
    assert wrong == []


async def test_download_headers_and_inline_images(app: Any, world: World) -> None:
    async with act(world.runtime, actor_id=world.users["author"]) as ctx:
        image = await do_store_upload(ctx, filename="skica.png", stream=io.BytesIO(PNG))
        await do_reply(ctx, world.threads["public"], body="Skica", attachment_ids=[image.id or 0])
    async with browser_as(app, "anonymous") as c:
        pdf = await c.get(f"/attachments/{world.files['public']}/plan.pdf")
        assert pdf.content == PDF
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("attachment;")
        assert 'filename="plan.pdf"' in pdf.headers["content-disposition"]
        assert pdf.headers["x-content-type-options"] == "nosniff"
        assert pdf.headers["cache-control"].startswith("private")
        png = await c.get(f"/attachments/{image.id}/skica.png")
        assert png.headers["content-disposition"].startswith("inline;")
        assert png.headers["content-type"] == "image/png"
        page = await c.get(f"/threads/{world.threads['public']}?after=0")
        assert f'<img src="/attachments/{image.id}/skica.png"' in page.text
        assert f'href="/attachments/{world.files["public"]}/plan.pdf" download' in page.text
        for bad in ("/attachments/abc/x", "/attachments/99999999999/x", "/attachments/0/x"):
            assert (await c.get(bad)).status_code == 404


@contextmanager
def counting(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", before)


async def add_posts(runtime: Runtime, thread_id: int, authors: list[int], n: int) -> None:
    for i in range(n):
        async with act(runtime, actor_id=authors[i % len(authors)]) as ctx:
            post = (await do_reply(ctx, thread_id, body=f"Post {i} o **temi**")).post
            if i % 3 == 0:
                await do_react(ctx, post.id or 0, kind="heart", on=True)


async def test_thread_page_queries_do_not_grow_with_posts(app: Any, world: World) -> None:
    rt, users = world.runtime, world.users
    authors = [users["author"], users["coordinator"]]
    counts = []
    async with browser_as(app, "member") as c:
        await c.get("/networks/sport")  # warm up: connections, caches
        for n in (5, 120):
            async with act(rt, actor_id=users["author"]) as ctx:
                thread, _ = await do_create_thread(ctx, "sport", title=f"{n} postova", body="Prvi")
                upload = await do_store_upload(ctx, filename="a.pdf", stream=io.BytesIO(PDF))
                await do_reply(ctx, thread.id or 0, body="Fajl", attachment_ids=[upload.id or 0])
            await add_posts(rt, thread.id or 0, authors, n - 2)
            # The writes above may have changed who the reader is: the session is looked up
            # again by whichever request comes first (tests/test_session_cache.py); the same
            # state before each page counted.
            await c.get("/networks/sport")
            with counting(rt) as statements:
                response = await c.get(f"/threads/{thread.id}")
            assert response.status_code == 200
            assert len(POST_ID.findall(response.text)) == min(n, WINDOW)
            counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # The thread with its marker, the posts with all they show, reactions, attachments; and
    # the first view's marker written.
    assert counts[0] <= 5, counts


async def test_board_page_queries_do_not_grow_with_threads(app: Any, world: World) -> None:
    rt, users = world.runtime, world.users
    counts = []
    async with browser_as(app, "member") as c:
        await c.get("/networks/mladi")
        for slug, n in (("sport", 3), ("javne-nabavke", 60)):
            async with act(rt, system=True) as ctx:
                from hub.actions.bodies import do_set_network_member

                await do_set_network_member(ctx, slug, users["author"], role="member")
            for i in range(n):
                async with act(rt, actor_id=users["author"]) as ctx:
                    await do_create_thread(ctx, slug, title=f"Tema {i}", body="Tekst")
            await c.get("/networks/mladi")  # as in the thread page's test above
            with counting(rt) as statements:
                response = await c.get(f"/networks/{slug}")
            assert response.status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_a_long_thread_renders_one_window(app: Any, world: World) -> None:
    rt = world.runtime
    thread_id = world.threads["association"]
    html = render("Dugačka **tema**")
    async with rt.sessionmaker() as db:  # 2,000 rows at once: the actions would take minutes
        first = (await db.exec(select(func.max(Post.id)))).one() or 0
        rows = [
            Post(thread_id=thread_id, author_id=world.users["author"], body="Dugačka", html=html)
            for _ in range(2000)
        ]
        db.add_all(rows)
        await db.flush()
        last = max(p.id or 0 for p in rows)
        await db.exec(
            update(Thread)
            .where(col(Thread.id) == thread_id)
            .values(post_count=Thread.post_count + 2000, last_post_id=last)
        )
        await db.commit()
    async with browser_as(app, "member") as c:
        page = await c.get(f"/threads/{thread_id}")
        shown = [int(i) for i in POST_ID.findall(page.text)]
        assert 0 < len(shown) <= WINDOW
        assert f"/threads/{thread_id}?after={shown[-1]}" in page.text  # later posts
        middle = first + 1000
        around = await c.get(f"/posts/{middle}", follow_redirects=True)
        ids = [int(i) for i in POST_ID.findall(around.text)]
        assert middle in ids and len(ids) <= WINDOW
        assert f"/threads/{thread_id}?before={ids[0]}" in around.text  # earlier posts


async def count_rows(runtime: Runtime) -> tuple[int, ...]:
    async with runtime.sessionmaker() as db:
        counts = []
        for model in (Thread, Post, Attachment, SearchDocument):
            counts.append((await db.exec(select(func.count()).select_from(model))).one())
        return tuple(counts)


def stored_files(runtime: Runtime) -> list[str]:
    root = runtime.settings.data_dir / "attachments"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


THREAD_ROW = re.compile(r'id="thread-(\d+)"')


async def new_thread(runtime: Runtime, user: int, slug: str, title: str, body: str = "T") -> int:
    async with act(runtime, actor_id=user) as ctx:
        thread, _ = await do_create_thread(ctx, slug, title=title, body=body)
        return thread.id or 0


async def write(runtime: Runtime, user: int, thread_id: int, body: str = "Odgovor") -> int:
    async with act(runtime, actor_id=user) as ctx:
        return (await do_reply(ctx, thread_id, body=body)).post.id or 0


async def test_board_pinned_first_with_unread_and_new_markers(app: Any, world: World) -> None:
    rt, users = world.runtime, world.users
    old = await new_thread(rt, users["author"], "sport", "Stara tema")
    read = await new_thread(rt, users["author"], "sport", "Pročitana tema")
    fresh = await new_thread(rt, users["author"], "sport", "Nova tema")
    async with browser_as(app, "coordinator") as c:
        token = await csrf_of(c, "/networks")
        pinned = await c.post(f"/threads/{old}/pin", data={"on": "1", "csrf_token": token})
        assert pinned.status_code == 303
    async with browser_as(app, "member") as c:
        await c.get(f"/threads/{read}")  # read to the end
        first_new = await write(rt, users["author"], read, "Još nešto")
        await write(rt, users["author"], read, "I još")
        board = await c.get("/networks/sport")
        ids = [int(i) for i in THREAD_ROW.findall(board.text)]
        assert ids[0] == old  # pinned first, then by last activity
        assert ids[1:4] == [read, fresh, world.threads["association"]]
        row = board.text[board.text.index(f'id="thread-{read}"') :]
        row = row[: row.index("</li>")]
        assert f'href="/threads/{read}#first-unread"' in row
        assert "unread-count" in row and ">2 " in row  # two posts since the last visit
        new_row = board.text[board.text.index(f'id="thread-{fresh}"') :]
        assert 'class="badge warn"' in new_row[: new_row.index("</li>")]
        # The marker stands right before the first unread post, in a window starting earlier...
        thread = await c.get(f"/threads/{read}?after=0")
        assert POST_ID.findall(thread.text)[0] != str(first_new)
        marker = thread.text.index('id="first-unread"')
        assert POST_ID.findall(thread.text[marker:])[0] == str(first_new)
        # ... and by default the window opens there.
        latest = await write(rt, users["author"], read, "Najnovije")
        thread = await c.get(f"/threads/{read}")
        assert POST_ID.findall(thread.text)[0] == str(latest)
        assert thread.text.index('id="first-unread"') < thread.text.index(f'id="post-{latest}"')
        token = await csrf_of(c, "/networks")
        marked = await c.post("/networks/sport/read", data={"csrf_token": token})
        assert marked.status_code == 303
        assert "unread-count" not in (await c.get("/networks/sport")).text
    async with browser_as(app, "anonymous") as c:
        board = await c.get("/networks/mladi")
        assert "?filter=mine" not in board.text and "unread-count" not in board.text
        assert "/threads/new" not in board.text and "/read" not in board.text


async def test_board_filters_and_older_threads(app: Any, world: World) -> None:
    rt, users = world.runtime, world.users
    for i in range(33):
        await new_thread(rt, users["author"], "sport", f"Tema broj {i}")
    answered = await new_thread(rt, users["coordinator"], "sport", "Sa odgovorom")
    await write(rt, users["member"], answered)
    async with browser_as(app, "member") as c:
        first = await c.get("/networks/sport")
        page_one = THREAD_ROW.findall(first.text)
        assert len(page_one) == 30
        older = re.search(r'href="(/networks/sport\?[^"]*cursor=[^"]+)"', first.text)
        assert older is not None
        second = await c.get(older.group(1).replace("&amp;", "&"))
        page_two = THREAD_ROW.findall(second.text)
        assert len(page_two) == 5 and not set(page_one) & set(page_two)
        unanswered = await c.get("/networks/sport?filter=unanswered")
        rows = THREAD_ROW.findall(unanswered.text)
        assert str(answered) not in rows and len(rows) == 30
        older = re.search(
            r'href="(/networks/sport\?filter=unanswered&amp;cursor=[^"]+)"', unanswered.text
        )
        assert older is not None
        rest = THREAD_ROW.findall((await c.get(older.group(1).replace("&amp;", "&"))).text)
        assert len(rest) == 3 and str(answered) not in rest
        mine = THREAD_ROW.findall((await c.get("/networks/sport?filter=mine")).text)
        assert mine == [str(answered)]
        assert 'aria-current="page">' in (await c.get("/networks/sport?filter=mine")).text
        assert (await c.get("/networks/sport?filter=nonsense")).status_code == 422
        assert (await c.get("/networks/sport?cursor=%%%")).status_code == 422
        assert (await c.get("/networks/no-such-network")).status_code == 404


async def test_new_thread_form_keeps_what_was_written(app: Any, world: World) -> None:
    rt = world.runtime
    async with browser_as(app, "member") as c:
        form = await c.get("/networks/sport/threads/new")
        assert 'enctype="multipart/form-data"' in form.text
        action = re.search(r'action="(/networks/sport/threads/new)"', form.text)
        assert action is not None
        token = await csrf_of(c, "/networks/sport/threads/new")
        before = await count_rows(rt)
        failed = await c.post(
            action.group(1),
            data={
                "csrf_token": token,
                "title": "   ",
                "body": "Telo teme koje ne sme da se izgubi",
            },
            files={"attachments": ("plan.pdf", PDF, "application/pdf")},
        )
        assert failed.status_code == 422
        assert 'id="f-title-error"' in failed.text and 'aria-invalid="true"' in failed.text
        assert "Telo teme koje ne sme da se izgubi" in failed.text
        kept = re.search(r'name="attachment" value="(\d+)" checked', failed.text)
        assert kept is not None and "plan.pdf" in failed.text  # the file is not lost either
        assert (await count_rows(rt))[:2] == before[:2]  # no thread, no post
        done = await c.post(
            action.group(1),
            data={
                "csrf_token": token,
                "title": "Plan",
                "body": "Telo",
                "attachment": kept.group(1),
            },
        )
        assert done.status_code == 303
        page = await c.get(done.headers["location"])
        assert f"/attachments/{kept.group(1)}/plan.pdf" in page.text
        # Without the token as the form's first field the form is refused, even with it in the
        # query string (a token never belongs in a URL) or as a later field.
        for query, fields in (
            ("", {"title": "Bez tokena", "body": "x"}),
            (f"?csrf_token={token}", {"title": "Bez tokena", "body": "x"}),
            ("", {"title": "Bez tokena", "body": "x", "csrf_token": token}),
        ):
            refused = await c.post(
                "/networks/sport/threads/new" + query,
                data=fields,
                files={"attachments": ("plan.pdf", PDF, "application/pdf")},
            )
            assert refused.status_code == 403


async def test_bad_input_writes_nothing(app: Any, world: World) -> None:
    rt = world.runtime
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    async with browser_as(app, "member") as c:
        token = await csrf_of(c, "/networks")
        new = "/networks/sport/threads/new"
        reply = f"/threads/{world.threads['association']}/posts"
        pdf = {"attachments": ("plan.pdf", PDF, "application/pdf")}
        before, files = await count_rows(rt), stored_files(rt)
        cases: list[tuple[str, dict[str, str], dict[str, Any], int]] = [
            (new, {"title": "", "body": "Telo"}, {}, 422),
            (new, {"title": "x" * 201, "body": "Telo"}, {}, 422),
            (new, {"title": "Naslov", "body": " \n "}, {}, 422),
            (new, {"title": "Naslov", "body": "x" * 20_001}, {}, 422),
            (new, {"title": "Naslov", "body": "Telo"}, {"attachments": ("a.pdf", big, "x")}, 413),
            (new, {"title": "Naslov", "body": "Telo"}, {"attachments": ("a.exe", b"MZ", "x")}, 422),
            (
                new,
                {"title": "Naslov", "body": "Telo"},
                {"attachments": ("a.pdf", b"<svg/>", "x")},
                422,
            ),
            (reply, {"body": ""}, {}, 422),
            (reply, {"body": "x" * 20_001}, {}, 422),
            (reply, {"body": "Telo"}, {"attachments": ("a.png", PDF, "image/png")}, 422),
            (reply, {"body": "Telo", "reply_to": "999999"}, {}, 422),
            (
                "/networks/no-such/threads/new",
                {"title": "a", "body": "b"},
                pdf,
                404,
            ),
            ("/threads/999999/posts", {"body": "b"}, pdf, 404),
            ("/threads/99999999999/posts", {"body": "b"}, {}, 404),
        ]
        for path, data, upload, status in cases:
            response = await c.post(path, data={"csrf_token": token, **data}, files=upload or None)
            assert response.status_code == status, (path, data.keys(), response.text[-300:])
        several = [("attachments", (f"{i}.pdf", PDF, "application/pdf")) for i in range(6)]
        too_many = await c.post(
            new, data={"csrf_token": token, "title": "Naslov", "body": "Telo"}, files=several
        )
        assert too_many.status_code == 422
        others = await c.post(
            f"/posts/{world.posts['association']}/edit",
            data={"body": "Tuđa poruka", "csrf_token": token},
        )
        assert others.status_code == 403
        assert await count_rows(rt) == before
        assert stored_files(rt) == files
        thread = await c.get(f"/threads/{world.threads['association']}?after=0")
        assert "Tuđa poruka" not in thread.text


async def test_locked_thread_takes_no_posts(app: Any, world: World) -> None:
    rt, thread_id = world.runtime, world.threads["public"]
    async with act(rt, actor_id=world.users["coordinator"]) as ctx:
        await do_lock(ctx, thread_id, locked=True)
    async with browser_as(app, "member") as c:
        page = await c.get(f"/threads/{thread_id}")
        assert f'action="/threads/{thread_id}/posts' not in page.text
        assert 'class="alert alert-warn"' in page.text
        before = await count_rows(rt)
        token = await csrf_of(c, "/networks")
        refused = await c.post(
            f"/threads/{thread_id}/posts",
            data={"csrf_token": token, "body": "Ipak pišem"},
            files={"attachments": ("plan.pdf", PDF, "application/pdf")},
        )
        assert refused.status_code == 409
        assert "Ipak pišem" not in refused.text  # no composer: the thread says it is locked
        assert (await count_rows(rt))[:2] == before[:2]


def textarea_of(html: str) -> str:
    found = re.search(r'<textarea id="f-body"[^>]*>(.*?)</textarea>', html, re.S)
    assert found is not None
    return found.group(1)


async def test_reply_and_quote_fill_the_composer(app: Any, world: World) -> None:
    thread_id, post_id = world.threads["association"], world.posts["association"]
    async with browser_as(app, "member") as c:
        replying = await c.get(f"/threads/{thread_id}?around={post_id}&reply_to={post_id}")
        assert f'name="reply_to" value="{post_id}"' in replying.text
        quoting = await c.get(f"/threads/{thread_id}?around={post_id}&quote={post_id}")
        quoted = textarea_of(quoting.text)
        assert quoted.startswith(f"&gt; **Author** ([#{post_id}](/posts/{post_id})):\n")
        assert "&gt; Naš **plan**" in quoted
        assert f'name="reply_to" value="{post_id}"' in quoting.text
        token = await csrf_of(c, "/networks")
        posted = await c.post(
            f"/threads/{thread_id}/posts",
            data={
                "csrf_token": token,
                "body": quoted.replace("&gt;", ">") + "Slažem se.",
                "reply_to": str(post_id),
            },
        )
        assert posted.status_code == 303
        location = posted.headers["location"]
        new_id = int(location.rsplit("#post-", 1)[1])
        assert location.startswith(f"/threads/{thread_id}?before={new_id + 1}")
        page = await c.get(location)
        article = page.text[page.text.index(f'id="post-{new_id}"') :]
        assert f'href="/posts/{post_id}">Author</a>' in article[:2000]  # in reply to
        assert "<blockquote>" in article[:2000]
        # A quote of a post in another thread is not offered.
        other = await c.get(f"/threads/{world.threads['public']}?quote={post_id}")
        assert other.status_code == 200 and textarea_of(other.text) == ""
        # /posts/{id} leads to the window around the post.
        jump = await c.get(f"/posts/{post_id}")
        assert jump.headers["location"] == f"/threads/{thread_id}?around={post_id}#post-{post_id}"


async def test_edit_history_and_delete(app: Any, world: World) -> None:
    thread_id = world.threads["public"]
    post_id = await write(world.runtime, world.users["member"], thread_id, "Prva verzija")
    async with browser_as(app, "member") as c:
        form = await c.get(f"/posts/{post_id}/edit")
        assert "Prva verzija" in form.text
        token = await csrf_of(c, "/networks")
        empty = await c.post(f"/posts/{post_id}/edit", data={"body": "", "csrf_token": token})
        assert empty.status_code == 422 and 'id="f-body-error"' in empty.text
        edited = await c.post(
            f"/posts/{post_id}/edit", data={"body": "Druga verzija", "csrf_token": token}
        )
        assert edited.status_code == 303
        page = await c.get(edited.headers["location"])
        assert "Druga verzija" in page.text and f'href="/posts/{post_id}/history"' in page.text
        history = await c.get(f"/posts/{post_id}/history")
        assert history.text.index("Druga verzija") < history.text.index("Prva verzija")
        deleted = await c.post(f"/posts/{post_id}/delete", data={"csrf_token": token})
        assert deleted.status_code == 303
        page = await c.get(deleted.headers["location"])
        article = page.text[page.text.index(f'id="post-{post_id}"') :]
        article = article[: article.index("</article>")]
        assert "is-deleted" in page.text and "post-removed" in article
        assert "Druga verzija" not in article and "/edit" not in article
        assert (await c.get(f"/posts/{post_id}/edit")).status_code == 409
    async with browser_as(app, "outsider") as c:  # a reader: the history shows no deleted text
        history = await c.get(f"/posts/{post_id}/history")
        assert history.status_code == 200 and "Prva verzija" not in history.text


async def test_flags_hide_a_post_until_a_coordinator_keeps_it(app: Any, world: World) -> None:
    rt, post_id = world.runtime, world.posts["association"]
    flaggers = ["member", "coordinator", "admin"]
    for n, role in enumerate(flaggers):
        if role != "member":
            await make_user(rt, f"flagger{n}@example.org", networks={"sport": "member"})
        async with browser_as(app, role if role == "member" else "anonymous") as c:
            if role != "member":
                await sign_in(c, f"flagger{n}@example.org")
            form = await c.get(f"/posts/{post_id}/flag")
            assert form.status_code == 200
            token = await csrf_of(c, "/networks")
            flagged = await c.post(
                f"/posts/{post_id}/flag", data={"reason": f"Razlog {n}", "csrf_token": token}
            )
            assert flagged.status_code == 303
            again = await c.post(
                f"/posts/{post_id}/flag", data={"reason": "Opet", "csrf_token": token}
            )
            assert again.status_code == 409 and "Opet" in again.text  # shown again, not lost
    async with browser_as(app, "outsider") as c:
        page = await c.get(f"/posts/{post_id}", follow_redirects=True)
        article = page.text[page.text.index(f'id="post-{post_id}"') :]
        article = article[: article.index("</article>")]
        assert "Naš <strong>plan</strong>" not in article and "post-removed" in article
        assert (
            await c.get(f"/attachments/{world.files['association']}/plan.pdf")
        ).status_code == 404
    async with browser_as(app, "author") as c:
        own = await c.get(f"/posts/{post_id}/flag")
        assert own.status_code == 200
        token = await csrf_of(c, "/networks")
        refused = await c.post(f"/posts/{post_id}/flag", data={"reason": "x", "csrf_token": token})
        assert refused.status_code == 409
    async with browser_as(app, "coordinator") as c:
        queue = await c.get("/networks/sport/moderation")
        assert queue.status_code == 200
        for n in range(3):
            assert f"Razlog {n}" in queue.text
        assert "Member" in queue.text
        page = await c.get(f"/posts/{post_id}", follow_redirects=True)
        assert "Naš <strong>plan</strong>" in page.text  # coordinators still see it, marked
        token = await csrf_of(c, "/networks")
        empty = await c.post(f"/posts/{post_id}/hide", data={"reason": "", "csrf_token": token})
        assert empty.status_code == 422 and 'id="f-reason-error"' in empty.text
        kept = await c.post(
            f"/posts/{post_id}/unhide",
            data={"csrf_token": token, "next": "/networks/sport/moderation?done=kept"},
        )
        assert kept.headers["location"] == "/networks/sport/moderation?done=kept"
        assert "Razlog 0" not in (await c.get("/networks/sport/moderation?done=kept")).text
    async with browser_as(app, "member") as c:
        assert (await c.get("/networks/sport/moderation")).status_code == 403
        page = await c.get(f"/posts/{post_id}", follow_redirects=True)
        assert "Naš <strong>plan</strong>" in page.text


async def test_coordinator_hides_pins_locks_and_moves(app: Any, world: World) -> None:
    thread_id, post_id = world.threads["association"], world.posts["association"]
    async with browser_as(app, "coordinator") as c:
        token = await csrf_of(c, "/networks")
        hidden = await c.post(
            f"/posts/{post_id}/hide", data={"reason": "Van teme", "csrf_token": token}
        )
        assert hidden.status_code == 303
        locked = await c.post(f"/threads/{thread_id}/lock", data={"on": "1", "csrf_token": token})
        assert locked.status_code == 303
        page = await c.get(locked.headers["location"])
        assert 'role="status"' in page.text and "alert-warn" in page.text
        unmoderated = await c.post(
            f"/threads/{thread_id}/move", data={"network": "javne-nabavke", "csrf_token": token}
        )
        assert unmoderated.status_code == 403
        no_target = await c.post(f"/threads/{thread_id}/move", data={"csrf_token": token})
        assert no_target.status_code == 422
        moved = await c.post(
            f"/threads/{thread_id}/move", data={"network": "mladi", "csrf_token": token}
        )
        assert moved.status_code == 303
        assert f'id="thread-{thread_id}"' in (await c.get("/networks/mladi")).text
    async with browser_as(app, "anonymous") as c:
        page = await c.get(f"/posts/{post_id}", follow_redirects=True)
        assert "Van teme" in page.text and "Naš <strong>plan</strong>" not in page.text


async def test_reaction_buttons_toggle(app: Any, world: World) -> None:
    post_id = world.posts["public"]
    async with browser_as(app, "member") as c:
        token = await csrf_of(c, "/networks")
        for on, pressed, count in (("1", "true", "1"), ("0", "false", "")):
            done = await c.post(
                f"/posts/{post_id}/reactions",
                data={"kind": "thumbs_up", "on": on, "csrf_token": token},
            )
            assert done.status_code == 303
            page = await c.get(done.headers["location"])
            article = page.text[page.text.index(f'id="post-{post_id}"') :]
            button = re.search(
                r'<button[^>]*data-kind="thumbs_up"[^>]*>.*?</button>', article, re.S
            )
            assert button is not None
            assert f'aria-pressed="{pressed}"' in button.group(0)
            assert f'<span class="reaction-count">{count}</span>' in button.group(0)
        bad = await c.post(
            f"/posts/{post_id}/reactions", data={"kind": "angry", "on": "1", "csrf_token": token}
        )
        assert bad.status_code == 422
    async with browser_as(app, "outsider") as c:  # may read, may not react
        page = await c.get(f"/posts/{post_id}", follow_redirects=True)
        assert 'class="reaction-form"' not in page.text


async def test_cyrillic_reader_sees_posts_in_cyrillic_with_code_and_links_kept(
    app: Any, world: World
) -> None:
    body = (
        "Članovi **veća**: `kod ljubav` i [uputstvo](https://example.org/ljubav)\n\n```\nnjiva\n```"
    )
    post_id = await write(world.runtime, world.users["author"], world.threads["public"], body)
    async with browser_as(app, "member") as c:
        token = await csrf_of(c, "/networks")
        await c.post("/language", data={"language": "sr-Cyrl", "next": "/", "csrf_token": token})
        page = await c.get(f"/posts/{post_id}", follow_redirects=True)
        article = page.text[page.text.index(f'id="post-{post_id}"') :]
        assert "Чланови <strong>већа</strong>" in article
        assert "<code>kod ljubav</code>" in article and "<code>njiva\n</code>" in article
        assert 'href="https://example.org/ljubav"' in article and ">упутство</a>" in article


async def test_search_page_across_scripts_and_diacritics(app: Any, world: World) -> None:
    rt = world.runtime
    await write(rt, world.users["author"], world.threads["association"], "Članovi komisije su tu.")
    secret = await new_thread(rt, world.users["author"], "romska-pitanja", "Tajna tema")
    await write(rt, world.users["author"], secret, "Članovi zatvorene mreže.")
    async with browser_as(app, "outsider") as c:
        for query in ("članovi", "clanovi", "чланови", "CLANOVI"):
            found = await c.get("/search", params={"q": query})
            assert found.status_code == 200
            assert "<mark>Članovi</mark> komisije" in found.text, query
            assert "zatvorene" not in found.text  # a network the reader may not read
        by_author = await c.get("/search", params={"q": "clanovi", "author": "@author"})
        assert "<mark>Članovi</mark>" in by_author.text
        nobody = await c.get("/search", params={"q": "clanovi", "author": "nobody-here"})
        assert nobody.status_code == 422 and 'id="f-author-error"' in nobody.text
        elsewhere = await c.get("/search", params={"q": "clanovi", "network": "mladi"})
        assert "<mark>" not in elsewhere.text
        assert (await c.get("/search", params={"q": "!!!"})).status_code == 422
        assert (await c.get("/search")).status_code == 200
        header = await c.get("/networks")
        assert 'role="search"' in header.text and 'action="/search"' in header.text
    async with browser_as(app, "member") as c:
        found = await c.get("/search", params={"q": "clanovi"})
        assert "zatvorene" in found.text
    async with browser_as(app, "anonymous") as c:
        assert outcome(await c.get("/search", params={"q": "clanovi"})) == "signin"


async def test_search_pages_by_offset(app: Any, world: World) -> None:
    for i in range(23):
        await write(world.runtime, world.users["author"], world.threads["public"], f"Opština {i}")
    async with browser_as(app, "member") as c:
        first = await c.get("/search", params={"q": "opstina"})
        assert first.text.count("<mark>") == 20
        more = re.search(r'href="(/search\?[^"]*offset=20)"', first.text)
        assert more is not None
        second = await c.get(more.group(1).replace("&amp;", "&"))
        assert second.text.count("<mark>") == 3 and "offset=0" in second.text


async def test_pages_load_scripts_from_files_only(app: Any, world: World) -> None:
    async with browser_as(app, "member") as c:
        for path in (f"/threads/{world.threads['public']}", "/networks/mladi", "/search?q=plan"):
            page = await c.get(path)
            scripts = re.findall(r"<script[^>]*>", page.text)
            assert scripts and all('src="/static/js/' in s for s in scripts), path
        js = await c.get("/static/js/board.js")
        assert js.status_code == 200 and "aria-autocomplete" in js.text


async def test_partials_render_without_a_request(world: World) -> None:
    """The post and thread-row partials, as live updates will insert them."""
    from hub.reads.posts import load_post_views
    from hub.reads.threads import board
    from hub.web.pages.partials import post_partial, thread_row_partial
    from hub.web.pages.thread import Viewer
    from tests.thread_helpers import view_thread

    rt = world.runtime
    async with act(rt, actor_id=world.users["member"]) as ctx:
        window = await view_thread(ctx, world.threads["public"], after=0)
        views = await load_post_views(ctx, window.network, [world.posts["public"]])
        rows = (await board(ctx, window.network)).rows
    html = post_partial(views[0], "sr-Cyrl")
    assert f'id="post-{world.posts["public"]}"' in html and "<strong>план</strong>" in html
    assert "<form" not in html and "/attachments/" in html
    member = Viewer(user_id=world.users["member"], can_post=True, can_moderate=False, locked=False)
    with_actions = post_partial(views[0], "sr-Latn", member, csrf_token="t")
    assert 'class="reaction-form"' in with_actions and "/flag" in with_actions
    assert "/hide" not in with_actions and "/edit" not in with_actions
    row = thread_row_partial(rows[0], "en")
    assert f'id="thread-{rows[0].thread.id}"' in row and "Tema public" in row


async def test_live_rights_follow_the_viewers_principal(world: World) -> None:
    """A live partial's actions come from rights worked out once per viewer (hub.web.live):
    the same answers as the permission function, and a new principal means a new viewer."""
    from hub.actions.bodies import do_set_network_member
    from hub.models import Network
    from hub.permissions import Action, can
    from hub.web.live import rights_in
    from realtime.partials import Viewer

    rt = world.runtime
    async with act(rt, system=True) as ctx:
        networks = list(
            (
                await ctx.db.exec(select(Network).where(col(Network.slug).in_(NETWORKS.values())))
            ).all()
        )

    async def viewer_of(role: str) -> Viewer:
        async with act(rt, actor_id=world.users.get(role)) as ctx:
            return Viewer(world.users.get(role), "sr-Latn", ctx.principal)

    for role in ROLES:
        viewer = await viewer_of(role)
        for network in networks:
            expected = (
                can(viewer.principal, Action.POST_IN_NETWORK, network),
                can(viewer.principal, Action.MODERATE_NETWORK, network),
            )
            found = rights_in(viewer, network, network.id or 0)
            assert found == expected == rights_in(viewer, network, network.id or 0), role
    member = await viewer_of("member")
    public = next(n for n in networks if n.slug == NETWORKS["public"])
    assert rights_in(member, public, public.id or 0) == (True, False)
    async with act(rt, system=True) as ctx:
        await do_set_network_member(ctx, public.slug, world.users["member"], role="coordinator")
    assert rights_in(await viewer_of("member"), public, public.id or 0) == (True, True)


async def test_a_post_in_place_is_the_post_the_page_shows(world: World) -> None:
    """What a live update renders (load_post_in_place) is what the thread page loads."""
    from hub.reads.posts import load_post_in_place, load_post_views, municipalities_of

    rt = world.runtime
    async with act(rt, actor_id=world.users["member"]) as ctx:
        reply = (
            await do_reply(
                ctx, world.threads["public"], body="Slažem se", reply_to=world.posts["public"]
            )
        ).post
    async with act(rt, actor_id=world.users["coordinator"]) as ctx:
        await do_react(ctx, world.posts["public"], kind="heart", on=True)
    for post_id in (world.posts["public"], reply.id or 0):
        async with act(rt, system=True) as ctx:
            found = await load_post_in_place(ctx, post_id)
            assert found is not None
            views = await load_post_views(ctx, found.network, [post_id])
            places = await municipalities_of(ctx, [views[0].author])
        assert found.view == views[0] and found.municipalities == places and places
        assert found.thread.id == world.threads["public"] and found.network.slug == "mladi"
    assert found.view.reply_to is not None and found.view.reply_author is not None
    async with act(rt, system=True) as ctx:
        assert await load_post_in_place(ctx, 2**31 - 2) is None


async def test_live_partials_read_on_a_pool_of_their_own(world: World) -> None:
    """A burst of writes that has taken every connection of the shared pool (each waiting its
    turn at SQLite's write lock) does not hold back a live update's partial: its reads go
    through runtime.live_sessions."""
    from sqlalchemy.pool import QueuePool

    from hub.web import live
    from realtime.bus import Published
    from realtime.partials import RENDERERS

    rt = world.runtime
    live.register(rt)
    pool = rt.engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    held = []
    try:
        while pool.checkedout() < pool.size() + pool._max_overflow:
            held.append(await rt.engine.connect())
        channel = f"thread:{world.threads['public']}"
        event = Published(channel, "1-0", "post.created", {"id": world.posts["public"]})
        prepared = await asyncio.wait_for(RENDERERS["post.created"].prepare(event), 10)
        assert prepared is not None and prepared.view.post.id == world.posts["public"]
    finally:
        for conn in held:
            await conn.close()


async def test_a_new_posts_live_partial_takes_its_files_from_the_event(world: World) -> None:
    """For post.created, what the event carries stands for the reactions and attachments
    (hub.web.live): the partial is the one a full load makes, files included."""
    from hub.actions.posts import notify_post_created
    from hub.reads.posts import load_post_in_place, post_public
    from hub.web.pages.partials import post_partial

    rt = world.runtime
    member = world.users["member"]
    async with act(rt, actor_id=member) as ctx:
        upload = await do_store_upload(ctx, filename="plan.pdf", stream=io.BytesIO(PDF))
    files = [upload.id or 0]
    async with act(rt, actor_id=member) as ctx:
        made = await do_reply(ctx, world.threads["public"], body="Prilog", attachment_ids=files)
        thread = await ctx.db.get(Thread, world.threads["public"])
        assert thread is not None
        carried = notify_post_created(thread, made).data
    assert carried == post_public(made) and carried["attachments"]
    async with act(rt, system=True) as ctx:
        loaded = await load_post_in_place(ctx, made.post.id or 0)
        from_event = await load_post_in_place(ctx, made.post.id or 0, carried)
    assert loaded is not None and from_event is not None
    assert post_partial(from_event.view, "sr-Latn") == post_partial(loaded.view, "sr-Latn")
    assert "plan.pdf" in post_partial(from_event.view, "sr-Latn")
    shown = {**carried, "reactions": {"heart": 1}}  # not a new post's: read again
    async with act(rt, system=True) as ctx:
        again = await load_post_in_place(ctx, made.post.id or 0, shown)
    assert again is not None and [a.id for a in again.view.attachments] == files
