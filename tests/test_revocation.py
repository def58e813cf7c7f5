"""S9: revocation reaches open sockets, on every instance (docs/realtime.md, docs/security.md).

Two real `hub serve` processes share one database and one Redis (the harness of
tests/test_realtime.py). A member of a members-only network holds a socket on instance B opened
with a session cookie and one opened with an API token; the revocation is made through A. The
sockets whose credentials ended are closed with 4401 within a deadline and get nothing after;
the others go on receiving. No sleeps: every wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import email
import itertools
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from websockets.asyncio.client import connect

from hub.config import load_settings
from hub.db import make_engine
from realtime.socket import CLOSE_REVOKED
from tests import test_realtime as rt
from tests.conftest import csrf_of, sign_in
from tests.test_realtime import PRIVATE, Cluster, Instance, auth
from tests.wsclient import TIMEOUT, Socket, ws_url

# The two-instance cluster of tests/test_realtime.py (one of this module's own).
cluster_once, cluster, http = rt.cluster_once, rt.cluster, rt.http

CHANNEL = f"network:{PRIVATE}"
PASSWORD = "revocation tests password"
CLOSE_DEADLINE = 10.0  # bound for the test; the design target is well under a second
_serial = itertools.count()


@dataclass
class Member:
    user_id: int
    email: str
    token: str  # an API token
    browser: httpx.AsyncClient  # signed in on A with a session cookie

    @property
    def session(self) -> str:
        return self.browser.cookies["hub_session"]


async def new_member(cluster: Cluster, http: httpx.AsyncClient) -> Member:
    """A fresh member of the members-only network, signed in both ways (each test revokes one)."""
    address = f"revoked{next(_serial)}.{id(cluster) % 10000}@example.org"
    made = await http.post(
        f"{cluster.a.url}/api/v1/users",
        json={"email": address, "name": "Revocation Test", "password": PASSWORD},
        headers=auth(cluster, "admin"),
    )
    assert made.status_code == 201, made.text
    user_id = made.json()["id"]
    joined = await http.put(
        f"{cluster.a.url}/api/v1/networks/{PRIVATE}/members/{user_id}",
        json={"role": "member"},
        headers=auth(cluster, "admin"),
    )
    assert joined.status_code == 200, joined.text
    issued = await http.post(
        f"{cluster.a.url}/api/v1/auth/token", json={"email": address, "password": PASSWORD}
    )
    assert issued.status_code == 200, issued.text
    browser = httpx.AsyncClient(base_url=cluster.a.url, timeout=30)
    await sign_in(browser, address, PASSWORD)
    return Member(user_id, address, issued.json()["token"], browser)


async def with_cookie(instance: Instance, session: str, name: str) -> Socket:
    conn = await connect(
        ws_url(instance.url),
        additional_headers={"Cookie": f"hub_session={session}"},
        open_timeout=TIMEOUT,
        ping_interval=None,
        compression=None,
    )
    return Socket(conn, name)


async def sockets(cluster: Cluster, member: Member) -> tuple[Socket, Socket, Socket]:
    """The member's session socket and token socket, and the admin's as a witness, all on B,
    subscribed to the members-only network."""
    by_session = await with_cookie(cluster.b, member.session, "session socket")
    by_token = await Socket.open(cluster.b.url, member.token, name="token socket")
    witness = await Socket.open(cluster.b.url, cluster.tokens["admin"], name="witness")
    for sock in (by_session, by_token, witness):
        assert (await sock.subscribe(CHANNEL))["type"] == "subscribed"
    return by_session, by_token, witness


async def new_thread(cluster: Cluster, http: httpx.AsyncClient, title: str) -> int:
    answer = await http.post(
        f"{cluster.a.url}/api/v1/networks/{PRIVATE}/threads",
        json={"title": title, "body": f"{title}: the body"},
        headers=auth(cluster, "admin"),
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["thread"]["id"])


def thread_ids(sock: Socket) -> list[int]:
    return [
        f["data"]["id"]
        for f in sock.events(CHANNEL)
        if f["event"] == "thread.created" and "id" in f["data"]
    ]


async def check(
    cluster: Cluster,
    http: httpx.AsyncClient,
    member: Member,
    revoke: Callable[[], Awaitable[None]],
    *,
    closed: set[str],
) -> None:
    """Both sockets hear a thread; `revoke` runs; the `closed` ones end with 4401 and hear no
    later thread, the others (and the witness) do."""
    by_session, by_token, witness = await sockets(cluster, member)
    named = {"session": by_session, "token": by_token}
    try:
        before = await new_thread(cluster, http, "Before the revocation")
        for sock in (by_session, by_token, witness):
            await sock.wait(lambda s=sock: before in thread_ids(s), what="the first thread")
        await revoke()
        for name in closed:
            sock = named[name]
            await sock.wait(lambda s=sock: s.closed, CLOSE_DEADLINE, what="the 4401 close")
            assert sock.close_code == CLOSE_REVOKED, f"{name}: closed with {sock.close_code}"
        after = await new_thread(cluster, http, "After the revocation")
        await witness.wait(lambda: after in thread_ids(witness), what="the later thread")
        for name, sock in named.items():
            if name in closed:
                assert after not in thread_ids(sock), f"{name} socket heard a later event"
                assert thread_ids(sock) == [before]
            else:
                await sock.wait(lambda s=sock: after in thread_ids(s), what="the later thread")
                assert not sock.closed
    finally:
        for sock in (by_session, by_token, witness):
            await sock.close()
        await member.browser.aclose()


async def test_signing_out_closes_the_sessions_sockets_on_the_other_instance(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    member = await new_member(cluster, http)

    async def sign_out() -> None:
        token = await csrf_of(member.browser, "/profile")
        answer = await member.browser.post("/signout", data={"csrf_token": token})
        assert answer.status_code == 303, answer.text

    await check(cluster, http, member, sign_out, closed={"session"})


async def test_deactivation_closes_every_socket_of_the_user(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    member = await new_member(cluster, http)
    admin = httpx.AsyncClient(base_url=cluster.a.url, timeout=30)
    await sign_in(admin, "admin@demo.skgo.test", "demo-lozinka")

    async def deactivate() -> None:
        page = f"/admin/users/{member.user_id}"
        token = await csrf_of(admin, page)
        answer = await admin.post(f"{page}/flags", data={"is_active": "0", "csrf_token": token})
        assert answer.status_code == 303, answer.text

    try:
        await check(cluster, http, member, deactivate, closed={"session", "token"})
    finally:
        await admin.aclose()


def _reset_link(root: Path, address: str) -> str | None:
    for path in root.glob("*/outbox/*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] != address:
            continue
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                body = part.get_payload(decode=True).decode()  # type: ignore[union-attr]
                found = re.search(r"https?://[^/\s]+(/reset/\S+)", body)
                if found:
                    return found.group(1)
    return None


async def _poll(probe: Callable[[], str | None], what: str) -> str:
    deadline = time.monotonic() + TIMEOUT
    while (found := probe()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)  # polling a directory: nothing to await
    return found


async def test_a_password_reset_closes_every_socket_of_the_user(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    member = await new_member(cluster, http)
    stranger = httpx.AsyncClient(base_url=cluster.a.url, timeout=30)

    async def reset() -> None:
        token = await csrf_of(stranger, "/reset")
        asked = await stranger.post("/reset", data={"email": member.email, "csrf_token": token})
        assert asked.status_code in (200, 303), asked.text
        # The mail goes out through a worker: poll the instances' outboxes for it.
        link = await _poll(lambda: _reset_link(cluster.root, member.email), "the reset mail")
        token = await csrf_of(stranger, link)
        done = await stranger.post(
            link, data={"password": "a brand new password", "csrf_token": token}
        )
        assert done.status_code == 303, done.text

    try:
        await check(cluster, http, member, reset, closed={"session", "token"})
    finally:
        await stranger.aclose()


async def test_revoking_a_token_closes_its_sockets_only(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    member = await new_member(cluster, http)

    async def revoke() -> None:
        answer = await http.delete(
            f"{cluster.a.url}/api/v1/auth/token",
            headers={"Authorization": f"Bearer {member.token}"},
        )
        assert answer.status_code == 204, answer.text
        again = await http.get(
            f"{cluster.a.url}/api/v1/me", headers={"Authorization": f"Bearer {member.token}"}
        )
        assert again.status_code == 401

    await check(cluster, http, member, revoke, closed={"token"})


@pytest.mark.parametrize("via", ["session", "token"])
async def test_a_subscribe_with_dead_credentials_closes_the_socket(
    cluster: Cluster, http: httpx.AsyncClient, via: str
) -> None:
    """Credentials that ended without an announcement (expired, or removed behind the hub's
    back): the next subscribe re-checks them and closes the socket instead of subscribing."""
    member = await new_member(cluster, http)
    sock = (
        await with_cookie(cluster.b, member.session, "session socket")
        if via == "session"
        else await Socket.open(cluster.b.url, member.token, name="token socket")
    )
    try:
        assert (await sock.subscribe(CHANNEL))["type"] == "subscribed"
        engine = make_engine(load_settings(cluster.env).database_url)
        try:
            async with engine.begin() as conn:
                if via == "session":
                    statement = "DELETE FROM auth_sessions WHERE user_id = :u"
                else:
                    statement = (
                        "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = :u"
                    )
                await conn.execute(text(statement), {"u": member.user_id})
        finally:
            await engine.dispose()
        start = len(sock.frames)
        await sock.send({"type": "subscribe", "channel": f"user:{member.user_id}", "since": None})
        await sock.wait(lambda: sock.closed, CLOSE_DEADLINE, what="the 4401 close")
        assert sock.close_code == CLOSE_REVOKED
        assert sock.frames[start:] == []  # no `subscribed`, no error: closed
    finally:
        await sock.close()
        await member.browser.aclose()


async def test_a_password_change_closes_the_other_sessions_sockets_and_keeps_its_own(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    """The event names no session: each instance checks its sockets' own credentials, so the
    browser that changed the password stays live and the other browser's socket is closed."""
    member = await new_member(cluster, http)
    other = httpx.AsyncClient(base_url=cluster.a.url, timeout=30)
    await sign_in(other, member.email, PASSWORD)
    mine = await with_cookie(cluster.b, member.session, "the changing browser")
    theirs = await with_cookie(cluster.b, other.cookies["hub_session"], "the other browser")
    try:
        for sock in (mine, theirs):
            assert (await sock.subscribe(CHANNEL))["type"] == "subscribed"
        token = await csrf_of(member.browser, "/profile")
        changed = await member.browser.post(
            "/profile/password",
            data={
                "current_password": PASSWORD,
                "new_password": "another password entirely",
                "csrf_token": token,
            },
        )
        assert changed.status_code == 303, changed.text
        await theirs.wait(lambda: theirs.closed, CLOSE_DEADLINE, what="the 4401 close")
        assert theirs.close_code == CLOSE_REVOKED
        after = await new_thread(cluster, http, "After the password change")
        await mine.wait(lambda: after in thread_ids(mine), what="the later thread")
        assert not mine.closed
        assert after not in thread_ids(theirs)
    finally:
        for sock in (mine, theirs):
            await sock.close()
        await other.aclose()
        await member.browser.aclose()
