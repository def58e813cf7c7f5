"""`hub serve` with no HUB_REDIS_URL runs its own redis-server, and never leaves it behind.

A real `hub serve` process is started; its redis-server child is found through /proc. Stopping
the hub with SIGTERM or Ctrl-C (SIGINT to its process group) stops Redis before the hub exits
with status 0 and removes the socket; `kill -9` of the hub takes Redis down too (the kernel's
parent-death signal), checked with a bounded wait.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.test_cli import HUB, hub_env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)  # polling another process's state, with a deadline


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped by its new parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    redis_pid: int
    socket: Path
    log: Path
    servers: set[int]  # the serving children of `hub serve --processes 2` (none with one)


@pytest.fixture(params=[1, 2], ids=["one process", "two processes"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    data = tmp_path / "data"
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # A session of its own, like a shell's foreground job, so the test can signal the
        # group as a terminal's Ctrl-C does without signalling pytest.
        process = subprocess.Popen(
            [*HUB, "serve", "--port", str(port), "--processes", str(request.param)],
            env=hub_env(data),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(url, process), "hub serve answers /healthz")
        found = re.search(rb"embedded Redis running \(pid (\d+)\)", log.read_bytes())
        assert found, log.read_text()
        redis_pid = int(found.group(1))
        assert redis_pid in children(process.pid)
        assert Path(f"/proc/{redis_pid}/comm").read_text().strip() == "redis-server"
        socket = data / "redis" / "redis.sock"
        assert socket.is_socket()
        if request.param > 1:  # the serving processes beside Redis, each with its app started
            started = re.compile(rb"hub\.web \[\d+\] started")
            wait_for(lambda: len(started.findall(log.read_bytes())) == request.param, "started")
        yield Served(process, url, redis_pid, socket, log, children(process.pid) - {redis_pid})
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def _healthy(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "hub serve exited early"
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.parametrize(
    ("how", "signum"),
    [("kill", signal.SIGTERM), ("killpg", signal.SIGINT)],
    ids=["SIGTERM", "Ctrl-C"],
)
async def test_a_signal_stops_redis_before_the_hub_exits(
    served: Served, how: str, signum: int
) -> None:
    getattr(os, how)(served.process.pid, signum)
    served.process.wait(60)
    # A stop that was asked for is a clean end (status 0, so `make run` reports no error),
    # reached after cleaning up: Redis is already gone (the hub waited for it), its socket
    # removed, and the log says so, with no traceback and no signal that was never sent.
    assert served.process.returncode == 0, served.log.read_text()
    assert not alive(served.redis_pid)
    assert not [pid for pid in served.servers if alive(pid)]
    assert not served.socket.exists()
    log = served.log.read_text()
    assert "embedded Redis stopped" in log
    assert log.rstrip().endswith(f"hub: stopped cleanly on {signal.Signals(signum).name}"), log
    assert log.count("worker stopped") == max(len(served.servers), 1)
    assert "Traceback" not in log
    assert "SIGUSR1" not in log
    # Redis was stopped by the hub (SIGTERM), not hit by the terminal's Ctrl-C meant for the
    # hub: it runs in a session of its own, so it outlives the app's graceful shutdown.
    redis_log = (served.socket.parent / "redis.log").read_text()
    assert "Received SIGTERM" in redis_log and "Received SIGINT" not in redis_log


async def test_redis_dies_with_a_killed_hub(served: Served) -> None:
    served.process.kill()
    served.process.wait(60)
    wait_for(lambda: not alive(served.redis_pid), "redis-server is gone after kill -9 of the hub")
    for pid in served.servers:  # the serving children die with it too
        wait_for(lambda pid=pid: not alive(pid), f"serving process {pid} is gone")
