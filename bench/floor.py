"""The request floor in process: CPU and statements per authenticated request, no network.

    python -m bench.floor [--requests 600] [--database-url URL | --sqlite] [--profile OUT.prof]
                          [--only post]

The vote benchmark's data (bench/votes_seed.py) in a fresh database, the app of `hub serve`
(create_app with its lifespan: the real-time service, no worker) driven by plain ASGI calls
from the same process, one request at a time: `GET /api/v1/me`, `PUT .../vote` and
`POST /api/v1/threads/{id}/posts` (bench.write's post, in a thread the coordinator opens) with
the voters' API tokens; `--only` picks the rounds whose name starts so. Printed per request:
CPU milliseconds (this process' CPU clock: the database server's own work is not in it), SQL
statements and Redis commands. Sequential and in process, so the figures move little with the
machine's load, unlike bench.votes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from bench.votes import DEFAULT_DB
from bench.votes_seed import COORDINATOR, NETWORK, populate, reset_postgres
from bench.write import BODY as POST_BODY

Handle = Callable[[str, str, str, bytes], Awaitable[tuple[int, bytes]]]


def asgi_caller(app: Any) -> Handle:
    async def call(method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:
        headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
        if body:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


async def main_async(args: argparse.Namespace, env: dict[str, str], log: IO[str]) -> int:
    from sqlalchemy import event

    from hub.config import load_settings
    from hub.plumbing.logs import setup_logging
    from hub.plumbing.migrate import upgrade
    from hub.web.app import create_app

    settings = load_settings(env).with_(run_worker=False)
    setup_logging(settings.log_format)  # as `hub serve`: the access log line is part of the cost
    logging.getLogger().handlers[0].setStream(log)
    await asyncio.to_thread(upgrade, settings.database_url)
    seeded = await populate(env, args.voters)
    app = create_app(settings)
    call = asgi_caller(app)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        statements = 0

        shown: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            nonlocal statements
            statements += 1
            shown.append(" ".join(statement.split())[:160])

        event.listen(runtime.engine.sync_engine, "before_cursor_execute", count)
        # The coordinator opens the vote over the API, as bench.votes does.
        status, body = await call(
            "POST", "/api/v1/auth/token", "",
            json.dumps({"email": COORDINATOR, "password": "bench-password-123"}).encode(),
        )  # fmt: skip
        coordinator = json.loads(body)["token"]
        import datetime as dt

        rules = {
            "closes_at": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
            "quorum": 50, "threshold": 50, "counting": "member", "ballot": "open",
        }  # fmt: skip
        path = f"/api/v1/proposals/{seeded.proposal_id}"
        status, body = await call("POST", f"{path}/voting", coordinator, json.dumps(rules).encode())
        assert status in (200, 201), (status, body)
        tokens = seeded.tokens
        choices = ["yes", "no", "abstain"]

        async def me(i: int) -> tuple[int, bytes]:
            return await call("GET", "/api/v1/me", tokens[i % len(tokens)])

        async def vote(i: int) -> tuple[int, bytes]:
            choice = choices[(i // len(tokens)) % 3]
            data = json.dumps({"choice": choice}).encode()
            return await call("PUT", f"{path}/vote", tokens[i % len(tokens)], data)

        status, body = await call(
            "POST", f"/api/v1/networks/{NETWORK}/threads", coordinator,
            json.dumps({"title": "Pod", "body": "Prvi post."}).encode(),
        )  # fmt: skip
        assert status in (200, 201), (status, body)
        thread_path = f"/api/v1/threads/{json.loads(body)['thread']['id']}/posts"

        async def post(i: int) -> tuple[int, bytes]:
            data = json.dumps({"body": POST_BODY.format(i=i)}).encode()
            status, body = await call("POST", thread_path, tokens[i % len(tokens)], data)
            return (200 if status == 201 else status), body

        failed = 0
        rounds = (("GET /api/v1/me", me), ("PUT vote", vote), ("POST post", post))
        for name, fn in rounds:
            if args.only and not name.lower().startswith(args.only.lower()):
                continue
            for i in range(min(50, args.requests)):  # warm-up: statement caches, templates
                await fn(i)
            if args.show_sql:
                shown.clear()
                await fn(10_000)
                print(f"{name}:", *shown, sep="\n  ")
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            statements = 0
            redis0 = (await runtime.redis.info("stats"))["total_commands_processed"]
            cpu0 = time.process_time()
            if profiler:
                profiler.enable()
            bad = 0
            for i in range(args.requests):
                status, _ = await fn(i + 50)
                bad += status != 200
            failed += bad
            cpu = time.process_time() - cpu0
            calls = ""
            if profiler:
                profiler.disable()
                out = Path(args.profile)
                profiler.dump_stats(
                    out.with_name(f"{out.stem}.{name.split()[0].lower()}{out.suffix}")
                )
                total = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
                calls = f"  {total / args.requests:,.0f} Python calls/request"
            redis = (await runtime.redis.info("stats"))["total_commands_processed"] - redis0 - 1
            n = args.requests
            print(
                f"{name:<16} {cpu / n * 1000:6.2f} ms CPU/request  "
                f"{statements / n:5.1f} SQL statements/request  "
                f"{redis / n:4.1f} Redis commands/request"
                f"{calls}  non-200: {bad}  load {os.getloadavg()[0]:.2f}"
            )
        return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument(
        "--database-url", default=DEFAULT_DB, help="emptied! name must contain bench"
    )
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--only", default="", help="only the round whose name starts so: post")
    parser.add_argument("--redis-url", default="", help="default: an embedded Redis")
    parser.add_argument("--show-sql", action="store_true", help="print one request's SQL")
    parser.add_argument("--profile", default="", help="cProfile (CPU clock) to OUT.<round>.prof")
    args = parser.parse_args(argv)
    from hub.plumbing.embedded_redis import EmbeddedRedis

    failed = 0
    with tempfile.TemporaryDirectory(prefix="hub-bench-floor-") as tmp:
        root = Path(tmp)
        redis = None
        redis_url = args.redis_url
        if not redis_url:
            redis = EmbeddedRedis(root / "redis", persistent=False)
            redis_url = redis.start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
            env.update(HUB_DATA_DIR=str(root / "data"), HUB_REDIS_URL=redis_url)
            if not args.sqlite:
                asyncio.run(reset_postgres(args.database_url))
                env["HUB_DATABASE_URL"] = args.database_url
            with open(root / "server.log", "w") as log:
                failed = asyncio.run(main_async(args, env, log))
                logging.getLogger().handlers[0].setStream(sys.stderr)
        finally:
            if redis:
                redis.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
