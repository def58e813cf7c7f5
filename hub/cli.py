"""The `hub` command: serve, worker, migrate, seed, user add.

Bad input prints one line on stderr and exits with status 2, having written nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from hub import __version__
from hub.config import ConfigError, Settings, load_settings
from hub.plumbing.logs import setup_logging


class UsageError(Exception):
    """Bad input: the message is printed as one line and the command exits 2."""


def _one_line(message: object) -> str:
    # Driver errors span lines ("[SQL: ...]", "(Background on this error at ...)").
    return " ".join(str(message).split())


def _database_problem(exc: BaseException) -> UsageError:
    cause = getattr(exc, "orig", None) or exc
    return UsageError(f"cannot reach the database: {type(cause).__name__}: {_one_line(cause)}")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hub", description="A collaboration hub for expert networks.")
    parser.add_argument("--version", action="version", version=f"hub {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="serve pages, the API and /ws")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--no-worker", action="store_true", help="do not run the worker in-process")
    serve.add_argument(
        "--processes",
        type=_processes,
        help="serving processes: a number, or auto (one per core); default HUB_PROCESSES or 1",
    )
    # Internal to --processes: a child serves on the parent's socket and says when it is ready.
    serve.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--ready-fd", type=int, help=argparse.SUPPRESS)
    commands.add_parser("worker", help="run the background worker alone (needs HUB_REDIS_URL)")
    commands.add_parser("migrate", help="upgrade the database to the latest schema")
    seed = commands.add_parser("seed", help="load committees, networks and local governments")
    seed.add_argument("--demo", action="store_true", help="also add demo people and threads")
    commands.add_parser(
        "reindex-proposals", help="put every public proposal in the search index again"
    )
    user = commands.add_parser("user", help="manage users")
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    add = user_commands.add_parser("add", help="create a user")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--password")
    add.add_argument("--municipality", help="slug of the user's local government")
    add.add_argument("--admin", action="store_true")
    return parser


def _processes(value: str) -> int:
    if value.strip().lower() == "auto":
        return 0
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number or auto, got {value!r}")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "serve" and not 0 < args.port < 65536:
            raise UsageError(f"--port must be between 1 and 65535, got {args.port}")
        if args.command == "serve" and (args.listen_fd is None) != (args.ready_fd is None):
            raise UsageError("--listen-fd and --ready-fd go together (hub serve --processes)")
        settings = load_settings()
    except (UsageError, ConfigError) as exc:
        print(f"hub: error: {_one_line(exc)}", file=sys.stderr)
        return 2

    setup_logging(settings.log_format)
    child = args.command == "serve" and args.listen_fd is not None  # the parent has migrated
    if args.command not in ("migrate", "serve") or child:
        # Alembic announces every schema check at INFO; only migrating is worth telling.
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    try:
        if child:
            from hub.serve import serve_child  # lazy: a command loads only what it runs

            return serve_child(
                settings,
                args.host,
                args.port,
                args.listen_fd,
                args.ready_fd,
                run_worker=not args.no_worker,
            )
        if args.command == "serve":
            processes = settings.processes if args.processes is None else args.processes
            return _serve(
                settings, args.host, args.port, run_worker=not args.no_worker, processes=processes
            )
        if args.command == "worker":
            return _worker(settings)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "seed":
            return asyncio.run(_seed(settings, demo=args.demo))
        if args.command == "reindex-proposals":
            return asyncio.run(_reindex_proposals(settings))
        if args.command == "user":
            return asyncio.run(_user_add(settings, args))
    except UsageError as exc:
        print(f"hub: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    return 2


def _migrate(settings: Settings) -> int:
    _upgrade(settings)
    print("hub: the database schema is up to date", file=sys.stderr)
    return 0


def _upgrade(settings: Settings) -> None:
    """Migrate, having first made sure the database answers (a bad URL is bad input)."""
    from hub.db import make_engine  # lazy: a command loads only what it runs
    from hub.plumbing.migrate import upgrade  # lazy: a command loads only what it runs

    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def probe() -> None:
        engine = make_engine(settings.database_url)
        try:
            async with engine.connect():
                pass
        finally:
            await engine.dispose()

    sqlite_file = _sqlite_file(settings.database_url)
    try:
        if sqlite_file is not None:
            # The standard library's driver: aiosqlite, failing to open a file, reports from
            # its thread after the event loop has closed (a traceback on stderr).
            sqlite3.connect(sqlite_file).close()
        else:
            asyncio.run(probe())
    except Exception as exc:
        raise _database_problem(exc) from exc
    upgrade(settings.database_url)


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url  # lazy: a command loads only what it runs

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


async def _ensure_current(settings: Settings) -> None:
    from hub.db import make_engine  # lazy: a command loads only what it runs
    from hub.plumbing.migrate import is_current  # lazy: a command loads only what it runs

    missing = _sqlite_file(settings.database_url)
    if missing is not None and not missing.exists():
        # Connecting would create an empty file: say what to do instead of leaving one behind.
        raise UsageError(f"there is no database at {missing}: run `hub migrate` first")
    engine = make_engine(settings.database_url)
    try:
        current = await is_current(engine)
    except Exception as exc:
        raise _database_problem(exc) from exc
    finally:
        await engine.dispose()
    if not current:
        raise UsageError("the database schema is out of date: run `hub migrate` first")


def _offline(settings: Settings) -> Settings:
    """Settings for commands that need no Redis: a client is made but never connects.

    The operator's tools write as the people they seed, but no posting limit applies to them
    (it is counted in Redis, which these commands do not start).
    """
    settings = settings.with_(posts_per_minute=0, votes_per_minute=0)
    if settings.redis_url:
        return settings
    return settings.with_(redis_url=f"unix://{settings.data_dir / 'redis' / 'redis.sock'}")


async def _seed(settings: Settings, *, demo: bool) -> int:
    from hub.actions.context import act  # lazy: a command loads only what it runs
    from hub.actions.seed import (  # lazy: a command loads only what it runs
        DEMO_PASSWORD,
        do_seed,
        do_seed_demo,
    )
    from hub.plumbing.runtime import open_runtime  # lazy: a command loads only what it runs

    await _ensure_current(settings)
    async with (
        open_runtime(_offline(settings), with_jobs=False) as runtime,
        act(runtime, system=True) as ctx,
    ):
        report = await (do_seed_demo(ctx) if demo else do_seed(ctx))
    created = ", ".join(f"{n} {kind}" for kind, n in report.created.items()) or "nothing new"
    print(f"hub: seed loaded ({created})")
    if demo:
        print(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for email, name in report.demo_accounts:
            print(f"  {email:<40} {name}")
    return 0


async def _reindex_proposals(settings: Settings) -> int:
    from hub.actions.context import act  # lazy: a command loads only what it runs
    from hub.actions.search import reindex_proposals  # lazy: a command loads only what it runs
    from hub.plumbing.runtime import open_runtime  # lazy: a command loads only what it runs

    await _ensure_current(settings)
    async with (
        open_runtime(_offline(settings), with_jobs=False) as runtime,
        act(runtime, system=True) as ctx,
    ):
        count = await reindex_proposals(ctx)
    print(f"hub: {count} proposals indexed")
    return 0


async def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    from hub.actions.context import act  # lazy: a command loads only what it runs
    from hub.actions.errors import ActionError  # lazy: a command loads only what it runs
    from hub.i18n import gettext  # lazy: a command loads only what it runs
    from hub.plumbing.runtime import open_runtime  # lazy: a command loads only what it runs

    await _ensure_current(settings)
    async with open_runtime(_offline(settings), with_jobs=False) as runtime:
        try:
            async with act(runtime, system=True) as ctx:
                from hub.actions.accounts import (
                    do_create_user,  # lazy: a command loads only what it runs
                )

                user, generated = await do_create_user(
                    ctx,
                    email=args.email,
                    name=args.name,
                    password=args.password,
                    municipality=args.municipality,
                    is_admin=args.admin,
                )
        except ActionError as exc:
            field = f"{exc.field}: " if exc.field else ""
            raise UsageError(field + gettext("en", exc.message, **exc.params)) from exc
    print(f"hub: created user {user.id} <{user.email}>{' (admin)' if user.is_admin else ''}")
    if generated:
        print(f"password: {generated}")
    return 0


def _serve(settings: Settings, host: str, port: int, *, run_worker: bool, processes: int) -> int:
    """Serve until SIGTERM/SIGINT, then stop the embedded Redis and exit with status 0.

    A stop that was asked for is the normal end of a server: status 0, so that `make run`
    stopped with Ctrl-C or a supervisor's SIGTERM reads as a clean stop, not a crash. With
    `processes` other than 1 (0: one per core) this process serves nothing itself: having
    migrated and started the embedded Redis once, it supervises that many serving children
    (hub.serve.supervise), which all stop before Redis does.
    """
    from hub import serve  # lazy: a command loads only what it runs
    from hub.plumbing.embedded_redis import EmbeddedRedis  # lazy: a command loads only what it runs
    from hub.plumbing.processes import cores  # lazy: a command loads only what it runs

    count = processes or cores()
    serve.stop_on_signals()
    embedded = None
    stopped_by = None
    status = 1
    try:
        _upgrade(settings)
        if settings.redis_url is None:
            embedded = EmbeddedRedis(settings.data_dir / "redis")
            settings = settings.with_(redis_url=embedded.start())
            print(f"hub: embedded Redis running (pid {embedded.pid})", file=sys.stderr)
        if count == 1:
            server = serve.server(serve.app(settings.with_(run_worker=run_worker)), host, port)
            print(f"hub: serving on http://{host}:{port}/", file=sys.stderr, flush=True)
            server.run()
            status = 0 if server.started else 1
        else:
            status, stopped_by = serve.supervise(settings, host, port, count, run_worker=run_worker)
    except serve.Stopped as stop:
        stopped_by = stop.signum
    finally:
        # Cleaning up: a second Ctrl-C must not cut it short with a traceback.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)
        if embedded is not None:
            embedded.stop()
            print("hub: embedded Redis stopped", file=sys.stderr, flush=True)
    if stopped_by is not None:
        name = signal.Signals(stopped_by).name
        print(f"hub: stopped cleanly on {name}", file=sys.stderr, flush=True)
        return 0
    return status


def _worker(settings: Settings) -> int:
    if settings.redis_url is None:
        raise UsageError("hub worker needs HUB_REDIS_URL (hub serve runs a worker in-process)")
    from arq.worker import run_worker  # lazy: a command loads only what it runs

    from hub.plumbing.runtime import arq_settings  # lazy: a command loads only what it runs
    from workers.settings import WorkerSettings  # lazy: a command loads only what it runs

    run_worker(WorkerSettings, redis_settings=arq_settings(settings.redis_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
