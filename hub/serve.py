"""`hub serve`'s processes: one uvicorn server with the app, or a supervisor and its children.

hub/cli.py parses the command, migrates and starts the embedded Redis; then either serves here
with `server(...)` (one process) or runs `supervise(...)`, whose children (`hub serve
--listen-fd ...`) each enter `serve_child(...)`. The supervisor itself is in
hub.plumbing.processes.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import warnings
from collections.abc import Callable
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

from hub.config import Settings
from hub.plumbing import processes as procs
from hub.plumbing.logs import setup_logging


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived outside uvicorn's own handling (before or after serving)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


def stop_on_signals() -> None:
    """SIGTERM and SIGINT raise Stopped, which unwinds through the caller's cleanup.

    uvicorn shuts down gracefully on a signal and then raises it again with the handler that
    was installed before it started. With the default handler that kills the process on the
    spot and `finally` never runs; with this one the stop unwinds through the cleanup first.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, raise_stopped)


def app(settings: Settings) -> ASGIApp:
    """The app with the job worker in-process (when settings.run_worker)."""
    from hub.web.app import create_app  # lazy: the web app is loaded by the serving process only
    from workers.in_process import in_process_worker  # lazy: as the web app

    return create_app(settings, worker=in_process_worker)


def server(
    asgi: ASGIApp, host: str, port: int, ready: Callable[[], None] | None = None
) -> uvicorn.Server:
    """uvicorn's server for the app, calling `ready` once it accepts connections."""
    from realtime.wire import direct_protocol  # lazy: as the web app

    # uvicorn's newer "websockets-sansio" protocol waits to close a socket until it can write,
    # so it cannot drop a reader that stopped reading (R7): we keep the classic one on purpose.
    warnings.filterwarnings("ignore", message="The `websockets` implementation is deprecated")
    config = uvicorn.Config(
        asgi,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        # The classic protocol, reachable from /ws to write frames encoded once per event.
        ws=direct_protocol(),
        ws_ping_interval=20.0,  # heartbeats find dead peers (R7)
        ws_ping_timeout=20.0,
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,  # costs more CPU and memory per socket than it saves
        lifespan="on",
    )
    return _Server(config, ready)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.ready is not None:
            self.ready()


def supervise(
    settings: Settings, host: str, port: int, count: int, *, run_worker: bool
) -> tuple[int, int | None]:
    """Run `count` serving children on one socket until a signal stops them or one cannot be
    kept running: (exit status, the signal that stopped them cleanly, if one did)."""
    try:
        listener = procs.listen(host, port)
    except OSError as exc:
        print(f"hub: error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1, None
    # The children read the same environment, with the Redis the parent started named in it.
    env = {**os.environ, "HUB_REDIS_URL": settings.redis_url or ""}

    def command(listen_fd: int, ready_fd: int) -> list[str]:
        return [
            sys.executable, "-m", "hub.cli", "serve", "--host", host, "--port", str(port),
            "--listen-fd", str(listen_fd), "--ready-fd", str(ready_fd),
            *([] if run_worker else ["--no-worker"]),
        ]  # fmt: skip

    supervisor = procs.Supervisor(listener, count, command, env)
    print(f"hub: serving on http://{host}:{port}/ with {count} processes", file=sys.stderr)
    try:
        status = supervisor.run()
    finally:
        listener.close()
    return status, supervisor.stopped_by if status == 0 else None


def serve_child(
    settings: Settings, host: str, port: int, listen_fd: int, ready_fd: int, *, run_worker: bool
) -> int:
    """One of `hub serve --processes N`'s children: serve on the parent's socket until the
    parent's SIGTERM (status 0), telling the parent on the ready pipe once it accepts
    connections. The parent has migrated and started Redis. Its log lines carry its pid."""
    setup_logging(settings.log_format, with_pid=True)
    stop_on_signals()
    try:
        if settings.redis_url is None:  # the parent always names one
            print("hub: error: a serving child needs HUB_REDIS_URL", file=sys.stderr)
            return 2
        listener = socket.socket(fileno=listen_fd)
        made = server(
            app(settings.with_(run_worker=run_worker)),
            host,
            port,
            ready=lambda: procs.tell_ready(ready_fd),
        )
        made.run(sockets=[listener])
        return 0 if made.started else 1
    except Stopped:
        return 0
