"""S10: requests racing for one row get 200 or 409, never a 500 (an IntegrityError), and leave
exactly one row. Each race is ~20 identical requests sent at once to a real `hub serve`, on
SQLite and on PostgreSQL; the rows are then counted in the server's database."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from hub.actions.context import act
from hub.actions.seed import DEMO_ADMIN, DEMO_PASSWORD
from hub.actions.threads import do_create_thread, do_mark_all_read
from hub.config import load_settings
from hub.db import make_engine
from hub.models import ThreadRead
from hub.plumbing.runtime import Runtime
from hub.reads.bodies import access_network
from hub.text.search_terms import normalize
from tests.conftest import PASSWORD, POSTGRES_URL, make_user
from tests.live import LiveServer, live_server, scratch_postgres

AT_ONCE = 20


@dataclass
class Served:
    live: LiveServer
    database_url: str  # the async URL, for counting rows from the test

    @property
    def url(self) -> str:
        return self.live.url


@contextlib.contextmanager
def _database(root: Path, backend: str) -> Iterator[str]:
    """A database of the server's own: a SQLite file, or a PostgreSQL database made for it."""
    if backend == "sqlite":
        yield f"sqlite:///{root / 'hub.db'}"
        return
    with scratch_postgres(POSTGRES_URL, "hub_races") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    backend = request.param
    if backend == "postgres" and not POSTGRES_URL:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    root = tmp_path_factory.mktemp(f"races-{backend}")
    with _database(root, backend) as url, live_server(root, HUB_DATABASE_URL=url) as live:
        async_url = load_settings(
            {"HUB_DATABASE_URL": url, "HUB_SECRET_KEY": "x" * 40, "HUB_DATA_DIR": str(root)}
        ).database_url
        yield Served(live, async_url)


async def rows(served: Served, sql: str, **params: object) -> list[tuple[Any, ...]]:
    engine = make_engine(served.database_url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


async def count(served: Served, sql: str, **params: object) -> int:
    return int((await rows(served, sql, **params))[0][0])


@pytest.fixture
async def http() -> Any:
    limits = httpx.Limits(max_connections=AT_ONCE + 5, max_keepalive_connections=AT_ONCE + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        yield client


async def at_once(send: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(send() for _ in range(AT_ONCE))))


async def warm(http: httpx.AsyncClient, served: Served, *tokens: dict[str, str]) -> None:
    """Open the connections (the client's and the server's database pool) and touch the tokens
    first, so the racing requests arrive together rather than one connection set-up apart."""
    for headers in tokens:
        answers = await at_once(lambda: http.get(f"{served.url}/api/v1/me", headers=headers))  # noqa: B023
        assert statuses(answers) == [200] * AT_ONCE


def statuses(answers: list[httpx.Response]) -> list[int]:
    return sorted(a.status_code for a in answers)


async def token(
    http: httpx.AsyncClient, served: Served, email: str, password: str
) -> dict[str, str]:
    answer = await http.post(
        f"{served.url}/api/v1/auth/token", json={"email": email, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@dataclass
class Scene:
    admin: dict[str, str]
    network: str
    committee: str


@pytest.fixture
async def scene(http: httpx.AsyncClient, served: Served) -> Scene:
    admin = await token(http, served, DEMO_ADMIN, DEMO_PASSWORD)
    networks = (await http.get(f"{served.url}/api/v1/networks", headers=admin)).json()
    committees = (await http.get(f"{served.url}/api/v1/committees", headers=admin)).json()
    return Scene(admin, networks["items"][0]["slug"], committees["items"][0]["slug"])


async def new_member(
    http: httpx.AsyncClient, served: Served, scene: Scene, local: str
) -> tuple[int, dict[str, str]]:
    """A person no earlier test has seen, member of the scene's network, and their token."""
    email = f"{local}.{secrets.token_hex(4)}@example.org"
    made = await http.post(
        f"{served.url}/api/v1/users",
        json={"email": email, "name": local.title(), "password": PASSWORD},
        headers=scene.admin,
    )
    assert made.status_code == 201, made.text
    user_id = int(made.json()["id"])
    joined = await http.put(
        f"{served.url}/api/v1/networks/{scene.network}/members/{user_id}",
        json={"role": "member"},
        headers=scene.admin,
    )
    assert joined.status_code == 200, joined.text
    return user_id, await token(http, served, email, PASSWORD)


async def new_thread(
    http: httpx.AsyncClient, served: Served, scene: Scene, author: dict[str, str]
) -> tuple[int, int]:
    """A thread with a reply: (thread id, the reply's id)."""
    made = await http.post(
        f"{served.url}/api/v1/networks/{scene.network}/threads",
        json={"title": "Trka", "body": "Prva poruka"},
        headers=author,
    )
    assert made.status_code == 201, made.text
    thread_id = made.json()["thread"]["id"]
    reply = await http.post(
        f"{served.url}/api/v1/threads/{thread_id}/posts", json={"body": "Odgovor"}, headers=author
    )
    assert reply.status_code == 201, reply.text
    return thread_id, reply.json()["id"]


def assert_conflicts(answers: list[httpx.Response]) -> None:
    for answer in answers:
        if answer.status_code == 409:
            error = answer.json()["error"]
            assert error["code"] == "conflict" and error["message"]


async def test_first_reads_of_a_thread_at_once_write_one_marker(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    _, author = await new_member(http, served, scene, "autorka")
    thread_id, reply_id = await new_thread(http, served, scene, author)
    reader_id, reader = await new_member(http, served, scene, "citalac")
    await warm(http, served, reader)
    answers = await at_once(
        lambda: http.get(f"{served.url}/api/v1/threads/{thread_id}/posts", headers=reader)
    )
    assert statuses(answers) == [200] * AT_ONCE
    markers = await rows(
        served,
        "SELECT last_read_post_id FROM thread_reads WHERE thread_id = :t AND user_id = :u",
        t=thread_id,
        u=reader_id,
    )
    assert markers == [(reply_id,)]


async def test_the_same_reaction_at_once_is_one_reaction(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    _, author = await new_member(http, served, scene, "pisac")
    _, post_id = await new_thread(http, served, scene, author)
    reactor_id, reactor = await new_member(http, served, scene, "reaktor")
    await warm(http, served, reactor)
    url = f"{served.url}/api/v1/posts/{post_id}/reactions/heart"
    sql = "SELECT count(*) FROM reactions WHERE post_id = :p AND user_id = :u AND kind = 'heart'"

    added = await at_once(lambda: http.put(url, headers=reactor))
    assert statuses(added) == [200] * AT_ONCE
    assert all(a.json()["reactions"] == {"heart": 1} for a in added)
    assert await count(served, sql, p=post_id, u=reactor_id) == 1

    taken_back = await at_once(lambda: http.delete(url, headers=reactor))
    assert statuses(taken_back) == [200] * AT_ONCE
    assert await count(served, sql, p=post_id, u=reactor_id) == 0


async def test_the_same_membership_at_once_is_one_membership(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    made = await http.post(
        f"{served.url}/api/v1/users",
        json={"email": f"clan.{secrets.token_hex(4)}@example.org", "name": "Član"},
        headers=scene.admin,
    )
    user_id = made.json()["id"]
    await warm(http, served, scene.admin)
    for body, role in (("networks", "coordinator"), ("committees", "member")):
        slug = scene.network if body == "networks" else scene.committee
        url = f"{served.url}/api/v1/{body}/{slug}/members/{user_id}"
        answers = await at_once(lambda: http.put(url, json={"role": role}, headers=scene.admin))  # noqa: B023
        assert statuses(answers) == [200] * AT_ONCE, [a.text for a in answers]
        assert {a.json()["role"] for a in answers} == {role}
        table, key = (
            ("network_memberships", "network_id")
            if body == "networks"
            else ("committee_memberships", "committee_id")
        )
        found = await rows(
            served,
            f"SELECT role FROM {table} WHERE user_id = :u",  # noqa: S608
            u=user_id,
        )
        assert found == [(role,)], (key, found)


async def test_changing_and_removing_a_membership_at_once_never_fails(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    user_id, _ = await new_member(http, served, scene, "menja")
    await warm(http, served, scene.admin)
    url = f"{served.url}/api/v1/networks/{scene.network}/members/{user_id}"
    half = AT_ONCE // 2
    answers = await asyncio.gather(
        *(http.put(url, json={"role": "coordinator"}, headers=scene.admin) for _ in range(half)),
        *(http.delete(url, headers=scene.admin) for _ in range(half)),
    )
    # Changed (200), removed (204), or already removed when its turn came (404): never a 500.
    assert set(statuses(list(answers))) <= {200, 204, 404}, [a.text for a in answers]
    assert 204 in statuses(list(answers))
    sql = "SELECT count(*) FROM network_memberships WHERE user_id = :u"
    assert await count(served, sql, u=user_id) <= 1


async def test_one_address_created_at_once_is_one_user_and_409s(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    email = f"dvaput.{secrets.token_hex(4)}@example.org"
    await warm(http, served, scene.admin)
    answers = await at_once(
        lambda: http.post(
            f"{served.url}/api/v1/users",
            json={"email": email, "name": "Dvaput", "password": PASSWORD},
            headers=scene.admin,
        )
    )
    assert statuses(answers) == [201] + [409] * (AT_ONCE - 1), [a.text for a in answers]
    assert_conflicts(answers)
    assert all(a.json()["error"]["field"] == "email" for a in answers if a.status_code == 409)
    assert await count(served, "SELECT count(*) FROM users WHERE email = :e", e=email) == 1


async def test_addresses_making_one_handle_at_once_each_get_their_own(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    local = f"isti.{secrets.token_hex(3)}"
    emails = [f"{local}@grad{n}.example.org" for n in range(AT_ONCE)]
    await warm(http, served, scene.admin)
    answers = await asyncio.gather(
        *(
            http.post(
                f"{served.url}/api/v1/users",
                json={"email": e, "name": "Isti", "password": PASSWORD},
                headers=scene.admin,
            )
            for e in emails
        )
    )
    assert statuses(list(answers)) == [201] * AT_ONCE, [a.text for a in answers]
    handles = await rows(served, "SELECT handle FROM users WHERE email LIKE :p", p=f"{local}@%")
    assert len(handles) == AT_ONCE and len(set(handles)) == AT_ONCE


async def test_one_person_flagging_a_post_at_once_is_one_flag(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    _, author = await new_member(http, served, scene, "autor")
    _, post_id = await new_thread(http, served, scene, author)
    flagger_id, flagger = await new_member(http, served, scene, "prijava")
    await warm(http, served, flagger)
    answers = await at_once(
        lambda: http.post(
            f"{served.url}/api/v1/posts/{post_id}/flags",
            json={"reason": "Neprimereno"},
            headers=flagger,
        )
    )
    assert statuses(answers) == [201] + [409] * (AT_ONCE - 1), [a.text for a in answers]
    assert_conflicts(answers)
    sql = "SELECT count(*) FROM flags WHERE post_id = :p AND user_id = :u"
    assert await count(served, sql, p=post_id, u=flagger_id) == 1
    flags = await rows(served, "SELECT flag_count FROM posts WHERE id = :p", p=post_id)
    assert flags == [(1,)]


async def test_edits_at_once_mentioning_someone_new_keep_one_mention_and_one_search_row(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    _, author = await new_member(http, served, scene, "urednica")
    _, post_id = await new_thread(http, served, scene, author)
    named_id, _ = await new_member(http, served, scene, "pomenuti")
    [(handle,)] = await rows(served, "SELECT handle FROM users WHERE id = :u", u=named_id)
    await warm(http, served, author)
    answers = await asyncio.gather(
        *(
            http.patch(
                f"{served.url}/api/v1/posts/{post_id}",
                json={"body": f"Izmena {n} za @{handle}"},
                headers=author,
            )
            for n in range(AT_ONCE)
        )
    )
    assert statuses(list(answers)) == [200] * AT_ONCE, [a.text for a in answers]
    sql = "SELECT count(*) FROM mentions WHERE post_id = :p AND user_id = :u"
    assert await count(served, sql, p=post_id, u=named_id) == 1
    docs = await rows(
        served,
        "SELECT id, text FROM search_documents WHERE kind = 'post' AND object_id = :p",
        p=post_id,
    )
    assert len(docs) == 1
    # It holds the text of the edit that committed last, as the post does.
    [(body,)] = await rows(served, "SELECT body FROM posts WHERE id = :p", p=post_id)
    assert docs[0][1] == normalize(body)
    if served.database_url.startswith("sqlite"):  # and one full-text row for it
        sql = "SELECT count(*) FROM search_fts WHERE rowid = :i"
        assert await count(served, sql, i=docs[0][0]) == 1


_LINK = re.compile(r"/invite/(\S+)")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_an_invitation_accepted_at_once_makes_one_account(
    http: httpx.AsyncClient, served: Served, scene: Scene
) -> None:
    email = f"pozvana.{secrets.token_hex(4)}@example.org"
    invited = await http.post(
        f"{served.url}/api/v1/invitations",
        json={"email": email, "name": "Pozvana", "network": scene.network},
        headers=scene.admin,
    )
    assert invited.status_code == 201, invited.text
    [(body,)] = await rows(served, "SELECT body FROM mail_outbox WHERE to_addr = :e", e=email)
    found = _LINK.search(body)
    assert found
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as browser:
        page = await browser.get(f"/invite/{found.group(1)}")
        csrf = _CSRF.search(page.text)
        assert page.status_code == 200 and csrf
        form = {"name": "Pozvana", "password": PASSWORD, "csrf_token": csrf.group(1)}
        answers = await at_once(lambda: browser.post(f"/invite/{found.group(1)}", data=form))
    # The others find the link used (404) or, once the account exists, the address taken (409).
    assert statuses(answers)[0] == 303, [a.status_code for a in answers]
    assert set(statuses(answers)[1:]) <= {404, 409}, [a.status_code for a in answers]
    assert await count(served, "SELECT count(*) FROM users WHERE email = :e", e=email) == 1
    sql = (
        "SELECT count(*) FROM network_memberships m JOIN users u ON u.id = m.user_id"
        " WHERE u.email = :e"
    )
    assert await count(served, sql, e=email) == 1


async def test_marking_a_board_read_at_once_keeps_one_marker_per_thread(seeded: Runtime) -> None:
    """The board's "mark all read" (a page form) is an upsert too; run through the actions."""
    network = "elektronska-uprava"
    author = await make_user(seeded, "autorka@nis.rs", networks={network: "member"})
    reader = await make_user(seeded, "citalac@nis.rs", networks={network: "member"})
    threads = []
    for n in range(3):
        async with act(seeded, actor_id=author) as ctx:
            thread, _ = await do_create_thread(ctx, network, title=f"Tema {n}", body="Tekst")
            threads.append(thread.id)

    async def mark_all() -> None:
        async with act(seeded, actor_id=reader) as ctx:
            await do_mark_all_read(ctx, await access_network(ctx, network))

    await asyncio.gather(*(mark_all() for _ in range(AT_ONCE)))
    async with seeded.sessionmaker() as db:
        found = (
            await db.exec(select(ThreadRead.thread_id).where(ThreadRead.user_id == reader))
        ).all()
    assert sorted(found) == sorted(threads)
