"""A real `hub serve` process for end-to-end and browser tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from hub.plumbing.runtime import Runtime

HUB = [sys.executable, "-m", "hub.cli"]


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A PostgreSQL database of the caller's own on `server_url`'s server, dropped afterwards.

    Yields its URL with the plain `postgresql://` scheme, which `hub` and its settings accept.
    """
    import asyncio
    import secrets

    import asyncpg
    from sqlalchemy.engine import make_url

    server = make_url(server_url).set(drivername="postgresql")
    name = f"{prefix}_{secrets.token_hex(6)}"

    async def run(statement: str) -> None:
        conn = await asyncpg.connect(server.render_as_string(hide_password=False))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path


def hub_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    # Scenarios post and vote faster than a person: the limits have tests of their own.
    env.update(
        HUB_DATA_DIR=str(data_dir),
        HUB_LOG_FORMAT="text",
        HUB_POSTS_PER_MINUTE="0",
        HUB_VOTES_PER_MINUTE="0",
    )
    env.update(extra)
    return env


def run_hub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HUB, *args], env=env, capture_output=True, text=True, timeout=120)


def wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    """Poll /readyz until it answers (bounded), failing early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"hub serve exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # waiting for another process to listen, not synchronising test steps
    raise RuntimeError(f"hub serve did not become ready:\n{log.read_text()[-3000:]}")


@contextmanager
def live_server(data_dir: Path, *, demo: bool = True, **env_extra: str) -> Iterator[LiveServer]:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = hub_env(data_dir, HUB_BASE_URL=url, **env_extra)
    for args in (("migrate",), ("seed", "--demo") if demo else ("seed",)):
        done = run_hub(*args, env=env)
        assert done.returncode == 0, done.stderr
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*HUB, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(url, process, log)
        yield LiveServer(url=url, process=process, data_dir=data_dir, log=log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def hub_worker(
    rt: Runtime, root: Path, name: str, command: Sequence[str] = (*HUB, "worker"), **extra: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `hub worker` process (or `command`) on `rt`'s database and Redis, logging to
    `root/<name>.log`."""
    env = hub_env(
        root / name,
        HUB_DATABASE_URL=rt.settings.database_url,
        HUB_REDIS_URL=rt.settings.redis_url or "",
        HUB_SECRET_KEY=rt.settings.secret_key,
        **extra,
    )
    (root / name).mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.log").open("wb") as out:
        process = subprocess.Popen(list(command), env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 90) -> None:
    """Poll (bounded) for what another process does: a condition, never a fixed wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
