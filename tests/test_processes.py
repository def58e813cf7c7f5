"""`hub serve --processes 2`: two serving processes on one socket and one bus, one supervisor.

Real processes on SQLite with the embedded Redis and on PostgreSQL with a Redis server. Which
process serves a connection is read from the kernel: /healthz names its pid, and a WebSocket's
server side is found in /proc/net/tcp and the children's open files. Every wait is bounded
polling of another process's state.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live import LiveServer, live_server, scratch_postgres, until
from tests.test_embedded_redis import alive, children
from tests.wsclient import Socket

POSTER = "milica.ilic@demo.skgo.test"
READER = "marko.nikolic@demo.skgo.test"
PASSWORD = "demo-lozinka"  # hub.actions.seed.DEMO_PASSWORD
NETWORK = "elektronska-uprava"


def serving_children(pid: int) -> set[int]:
    """The parent's children that serve (its embedded redis-server is a child too)."""
    found = set()
    for child in children(pid):
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() != "redis-server" and alive(child):
                found.add(child)
        except FileNotFoundError:
            continue
    return found


def server_side(port: int, client_port: int, pids: set[int]) -> int | None:
    """The pid among `pids` holding the server's end of the TCP connection from `client_port`."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == port and (
                int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        with_fds = Path(f"/proc/{pid}/fd")
        for fd in with_fds.iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    if request.param == "sqlite":  # the embedded default: SQLite and the embedded Redis
        with live_server(tmp_path / "data", HUB_PROCESSES="2") as server:
            yield server
        return
    postgres = os.environ.get("HUB_TEST_POSTGRES_URL")
    redis_url = os.environ.get("HUB_TEST_REDIS_URL")
    if not postgres or not redis_url:
        pytest.skip("HUB_TEST_POSTGRES_URL and HUB_TEST_REDIS_URL are needed")
    with (
        scratch_postgres(postgres, "procs") as database,
        live_server(
            tmp_path / "data",
            HUB_PROCESSES="2",
            HUB_DATABASE_URL=database,
            HUB_REDIS_URL=redis_url,
        ) as server,
    ):
        yield server


async def healthz_pids(url: str) -> set[int]:
    """Pids answering /healthz to a few requests at once, each on a connection of its own."""

    async def one() -> int:
        async with httpx.AsyncClient(timeout=10) as http:
            return int((await http.get(f"{url}/healthz")).json()["pid"])

    return set(await asyncio.gather(*(one() for _ in range(8))))


async def token(http: httpx.AsyncClient, url: str, email: str) -> str:
    credentials = {"email": email, "password": PASSWORD}
    answer = await http.post(f"{url}/api/v1/auth/token", json=credentials)
    answer.raise_for_status()
    return str(answer.json()["token"])


async def one_socket_on_each(url: str, token: str, pids: set[int]) -> dict[int, Socket]:
    """Open sockets, a few at once, until one is served by each of `pids` (the rest closed):
    an idle process may win every accept of connections opened one after another."""
    port = urlsplit(url).port
    assert port is not None
    placed: dict[int, Socket] = {}
    extra: list[Socket] = []
    for _ in range(15):
        for sock in await asyncio.gather(*(Socket.open(url, token) for _ in range(4))):
            pid = server_side(port, sock.conn.local_address[1], pids)
            assert pid is not None, "no serving process holds the socket's other end"
            if pid in placed:
                extra.append(sock)
            else:
                placed[pid] = sock
        if set(placed) == pids:
            break
    for sock in extra:
        await sock.close()
    assert set(placed) == pids, f"sockets landed only on {set(placed)} of {pids}"
    return placed


async def test_two_processes_serve_one_bus_and_stop_together(served: LiveServer) -> None:
    parent = served.process.pid
    await until(lambda: _count(parent, 2), "two serving processes")
    pids = serving_children(parent)
    seen: set[int] = set()

    async def both_answered() -> bool:
        seen.update(await healthz_pids(served.url))
        return seen == pids

    await until(both_answered, f"/healthz answered by each of {pids}")

    async with httpx.AsyncClient(timeout=30) as http:
        reader = await token(http, served.url, READER)
        poster = await token(http, served.url, POSTER)
        threads = await http.get(
            f"{served.url}/api/v1/networks/{NETWORK}/threads",
            headers={"Authorization": f"Bearer {reader}"},
        )
        thread = threads.json()["items"][0]["id"]
        sockets = await one_socket_on_each(served.url, reader, pids)
        channel = f"thread:{thread}"
        for sock in sockets.values():
            assert (await sock.subscribe(channel))["type"] == "subscribed"

        # Posts written at once, each on a connection of its own (so through both processes,
        # writing the one database together), reach the sockets of both, in one order.
        async def post(i: int) -> int:
            async with httpx.AsyncClient(timeout=30) as one:
                answer = await one.post(
                    f"{served.url}/api/v1/threads/{thread}/posts",
                    json={"body": f"from many processes {i}"},
                    headers={"Authorization": f"Bearer {poster}"},
                )
                return answer.status_code

        assert await asyncio.gather(*(post(i) for i in range(10))) == [201] * 10

        # These posts' events only: the seed's, relayed from the outbox by a worker whenever
        # it gets to them, may reach one socket and not the other that subscribed later.
        def ours(sock: Socket) -> list[str]:
            return [
                f["id"]
                for f in sock.events(channel)
                if f["event"] == "post.created"
                and str(f["data"].get("body", "")).startswith("from many processes")
            ]

        for sock in sockets.values():
            await sock.wait(lambda s=sock: len(ours(s)) == 10, what="ten post.created events")
        orders = [ours(sock) for sock in sockets.values()]
        assert orders[0] == orders[1]
        for sock in sockets.values():
            await sock.close()

    # A child killed from outside is replaced, and the new one serves.
    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    await until(
        lambda: _replaced(parent, pids - {victim}, victim), "a new process in place of the killed"
    )
    successor = (serving_children(parent) - pids).pop()
    seen.clear()
    await until(
        lambda: _answers(served.url, successor, seen), f"/healthz answered by pid {successor}"
    )

    # SIGTERM to the parent stops every child gracefully, then the parent, with status 0.
    everyone = serving_children(parent) | children(parent)
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(90) == 0, served.log.read_text()[-3000:]
    assert not [pid for pid in everyone if alive(pid)]
    log = served.log.read_text()
    assert f"process 0 (pid {victim})" in log or f"process 1 (pid {victim})" in log
    assert "was killed by SIGKILL: starting it again" in log
    assert log.rstrip().endswith("hub: stopped cleanly on SIGTERM"), log[-3000:]
    assert log.count("worker stopped") == 2  # the two children's in-process workers
    assert "Traceback" not in log


async def _count(parent: int, n: int) -> bool:
    return len(serving_children(parent)) == n


async def _replaced(parent: int, survivors: set[int], victim: int) -> bool:
    now = serving_children(parent)
    return victim not in now and survivors <= now and len(now) == 2


async def _answers(url: str, pid: int, seen: set[int]) -> bool:
    seen.update(await healthz_pids(url))
    return pid in seen


def test_processes_must_be_a_number_or_auto(tmp_path: Path) -> None:
    from tests.live import HUB, hub_env

    for bad in (["serve", "--processes", "many"], ["serve", "--processes", "-1"]):
        done = subprocess.run(
            [*HUB, *bad], env=hub_env(tmp_path), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2
        assert done.stderr.startswith("hub: error:") and "--processes" in done.stderr
    env = hub_env(tmp_path, HUB_PROCESSES="lots")
    done = subprocess.run([*HUB, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "HUB_PROCESSES" in done.stderr
    assert not (tmp_path / "hub.db").exists()


async def test_a_process_that_never_served_stops_everything(tmp_path: Path) -> None:
    """A child that dies before it serves is not started again (restarting what cannot start
    helps nobody): the parent stops the other and Redis, says why, and exits with status 1."""
    from tests.live import HUB, free_port, hub_env

    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*HUB, "serve", "--port", str(free_port()), "--processes", "2"],
            env=hub_env(tmp_path / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await until(lambda: _count(process.pid, 2), "two serving processes started")
        victim = min(serving_children(process.pid))
        os.kill(victim, signal.SIGSTOP)  # frozen: it cannot get to serving any more
        assert f"hub.web [{victim}] started" not in log.read_text(), "it started too soon"
        everyone = children(process.pid)
        os.kill(victim, signal.SIGKILL)
        assert process.wait(90) == 1, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not [pid for pid in everyone if alive(pid)]
    text = log.read_text()
    assert "was killed by SIGKILL before serving: stopping" in text, text[-3000:]
    assert f"(pid {victim})" in text
    assert "embedded Redis stopped" in text and "stopped cleanly" not in text
