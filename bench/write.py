"""CPU per post written through the API, beside a bare SQLAlchemy insert-and-commit of its rows.

    python -m bench.write [--posts 300] [--database-url URL] [--redis-url URL] [--profile OUT]

Starts a fresh `hub serve` (SQLite and the embedded Redis unless URLs are given; a PostgreSQL
database is dropped and created again, so its name must contain "bench"), migrated and
seeded with the demo data, and writes `--posts` posts one after another through
POST /api/v1/threads/{id}/posts (after `--warmup` not counted): the server's CPU per post, from
/proc/<pid>/stat, covers the whole request (HTTP, the token, the checks, the Markdown, the
write, the outbox, publishing the event; no socket is subscribed, so no fan-out).

Baseline, in this process on the same database, the same number of times: a bare SQLAlchemy
session (an `AsyncSession` on an engine of the same URL, the same models) adds the rows one post
writes (the post; the thread's counters updated; its search document, and on SQLite its full-text
row; the notification of the thread's author; the event's outbox row, deleted again after commit
as the hub does) and commits. Its CPU
(`time.process_time` of this process, the database's own CPU not counted in either) is the floor
of writing those rows from Python. Prints both and their ratio (target: at most 2).

With `--profile OUT`, the server runs under bench.cpu_profile and its stats go to OUT.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.fanout import (
    NETWORK,
    POSTER,
    PYTHON,
    cpu_seconds,
    free_port,
    hub_env,
    process,
    token,
    wait_for_port,
)

BODY = "Kako ste rešili **e-zakazivanje**? Pitam za opštinu, post {i}."


@dataclass
class Figures:
    posts: int
    hub_cpu: float  # server CPU seconds per post through the API
    bare_cpu: float  # CPU seconds per bare SQLAlchemy insert-and-commit of the same rows
    failed: int
    posts_in_thread: int  # what the API says the thread holds after the run

    @property
    def ratio(self) -> float:
        return self.hub_cpu / self.bare_cpu


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def bare_writes(
    database_url: str, thread_id: int, author_id: int, told: int, count: int, warmup: int
) -> float:
    """CPU seconds per bare insert-and-commit of a post's rows, SQLAlchemy and the same models."""
    from sqlalchemy import delete, text, update
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.db import make_engine
    from hub.models import Notification, Post, Thread
    from hub.models.jobs import EventOutbox
    from hub.models.search import SearchDocument

    engine = make_engine(database_url)
    sqlite = database_url.startswith("sqlite")

    async def one(i: int) -> None:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            now = dt.datetime.now(dt.UTC)
            body = BODY.format(i=i)
            post = Post(thread_id=thread_id, author_id=author_id, body=body, html=f"<p>{body}</p>")
            post.created_at = now
            db.add(post)
            await db.flush()
            await db.execute(
                update(Thread)
                .where(Thread.id == thread_id)  # type: ignore[arg-type]
                .values(post_count=Thread.post_count + 1, last_post_id=post.id)
            )
            doc = SearchDocument(
                kind="post", object_id=post.id or 0, network_id=1, thread_id=thread_id,
                author_id=author_id, text=body.lower(), stems=body.lower(),
            )  # fmt: skip
            db.add(doc)
            if told != author_id:  # the thread's author hears of the reply
                db.add(Notification(user_id=told, kind="reply", source_id=post.id or 0,
                                    target=f"thread:{thread_id}", url=f"/threads/{thread_id}",
                                    title="Tema", actor_id=author_id, network_id=1))  # fmt: skip
            uid = secrets.token_hex(12)
            db.add(EventOutbox(uid=uid, channel=f"thread:{thread_id}", type="post.created",
                               data={"id": post.id, "body": body}))  # fmt: skip
            await db.flush()
            if sqlite:
                await db.execute(
                    text("INSERT INTO search_fts (rowid, text, stems) VALUES (:id, :t, :s)"),
                    {"id": doc.id, "t": doc.text, "s": doc.stems},
                )
            await db.commit()
            await db.execute(delete(EventOutbox).where(EventOutbox.uid == uid))  # type: ignore[arg-type]
            await db.commit()

    for i in range(warmup):
        await one(i)
    cpu0 = time.process_time()
    for i in range(count):
        await one(i)
    spent = time.process_time() - cpu0
    await engine.dispose()
    return spent / count


def run(args: argparse.Namespace, root: Path) -> Figures:
    env = hub_env(root, args)
    if args.database_url:  # the benchmark's own database, dropped and created again
        from bench.votes_seed import reset_postgres

        asyncio.run(reset_postgres(args.database_url))
    for cmd in (["migrate"], ["seed", "--demo"]):
        subprocess.run([PYTHON, "-m", "hub.cli", *cmd], env=env, check=True, capture_output=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env["HUB_BASE_URL"] = url
    serve = [PYTHON, "-m", "hub.cli", "serve", "--port", str(port)]
    if args.profile:
        serve = [PYTHON, "-m", "bench.cpu_profile", args.profile, "-m", *serve[2:]]
    failed = 0
    with process(serve, root / "serve.log", env) as proc:
        wait_for_port(port, proc)
        for _ in range(600):
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # waiting for another process to be ready
        headers = {"Authorization": f"Bearer {token(url, POSTER)}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            me = http.get("/api/v1/me").json()
            threads = http.get(f"/api/v1/networks/{NETWORK}/threads").json()["items"]
            thread, told = threads[0]["id"], threads[0]["author_id"]
            before = http.get(f"/api/v1/threads/{thread}").json()["post_count"]

            def post(i: int) -> bool:
                answer = http.post(
                    f"/api/v1/threads/{thread}/posts", json={"body": BODY.format(i=i)}
                )
                return answer.status_code == 201

            for i in range(args.warmup):
                failed += not post(i)
            cpu0 = cpu_seconds(proc.pid)
            for i in range(args.posts):
                failed += not post(i)
            hub_cpu = (cpu_seconds(proc.pid) - cpu0) / args.posts
            after = http.get(f"/api/v1/threads/{thread}").json()["post_count"]
        if args.profile:  # the profiler writes its stats when the server ends
            proc.send_signal(2)
            proc.wait(60)
    from hub.config import load_settings

    database_url = load_settings(env).database_url
    bare = asyncio.run(
        bare_writes(database_url, thread, int(me["user"]["id"]), told, args.posts, args.warmup)
    )
    return Figures(args.posts, hub_cpu, bare, failed, after - before - args.warmup)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="CPU per post: the API against bare SQLAlchemy")
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50, help="posts written before measuring")
    parser.add_argument("--redis-url", default="", help="default: the embedded Redis")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--profile", default="", help="run the server under bench.cpu_profile")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hub-write-") as tmp:
        print(f"load average before: {load()}", file=sys.stderr)
        figures = run(args, Path(tmp))
    print(
        f"posts: {figures.posts} (+{args.warmup} warm-up), failed: {figures.failed}, "
        f"counted by the thread: {figures.posts_in_thread}"
    )
    print(f"hub, POST /api/v1/threads/{{id}}/posts: {figures.hub_cpu * 1000:.2f} ms CPU per post")
    print(f"bare SQLAlchemy insert-and-commit:     {figures.bare_cpu * 1000:.2f} ms CPU per post")
    print(f"ratio: {figures.ratio:.2f} (target ≤ 2.00); load average after: {load()}")
    exact = figures.failed == 0 and figures.posts_in_thread == figures.posts
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
