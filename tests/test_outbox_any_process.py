"""Events from any process reach the bus (docs/realtime.md, "Events from every process").

An action run by a process other than `hub serve` reaches a socket connected to `hub serve`:
from the worker's runtime it is published at once; from the CLI's runtime (no publisher, and
here no reachable Redis at all) it waits in the outbox until the relay job of the serving
process publishes it. Two real `hub serve` processes, as in tests/test_realtime.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests import test_realtime as rt
from tests.test_realtime import Cluster, connect
from tests.wsclient import Socket

# The two-instance cluster of tests/test_realtime.py (one of this module's own).
cluster_once, cluster, thread_id = rt.cluster_once, rt.cluster, rt.thread_id

# Runs an action the way the CLI does (its runtime, no publisher) or the way a `hub worker`
# job does (the worker's startup opens its runtime), then reports what is left in the outbox.
_ACTOR = """
import asyncio, json, sys
from sqlmodel import select
from hub.actions.context import act
from hub.actions.posts import do_reply
from hub.cli import _offline
from hub.config import load_settings
from hub.events import discard
from hub.models import EventOutbox
from hub.plumbing.runtime import open_runtime
from workers.settings import shutdown, startup

async def run(runtime, user_id, thread_id, body):
    async with act(runtime, actor_id=user_id) as ctx:
        post = (await do_reply(ctx, thread_id, body=body)).post
    async with runtime.sessionmaker() as db:
        left = (await db.exec(select(EventOutbox.uid))).all()
    return {"post": post.id, "outbox": len(left), "discard": runtime.publisher is discard}

async def main(kind, user_id, thread_id, body):
    if kind == "cli":
        async with open_runtime(_offline(load_settings()), with_jobs=False) as runtime:
            return await run(runtime, user_id, thread_id, body)
    ctx = {}
    await startup(ctx)
    try:
        return await run(ctx["runtime"], user_id, thread_id, body)
    finally:
        await shutdown(ctx)

kind, user_id, thread_id, body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(json.dumps(asyncio.run(main(kind, user_id, thread_id, body))))
"""


def act_in_process(cluster: Cluster, kind: str, thread: int, body: str, **env: str) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _ACTOR,
            kind,
            str(cluster.user_ids["milica.ilic"]),
            str(thread),
            body,
        ],
        env={**cluster.env, "HUB_DATA_DIR": str(cluster.root / "a"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[type-arg]
    return result


async def expect_post(reader: Socket, channel: str, post_id: int) -> None:
    def arrived() -> bool:
        return any(
            f["event"] == "post.created" and f["data"].get("id") == post_id
            for f in reader.events(channel)
        )

    await reader.wait(arrived, what=f"post {post_id} on {channel}")


async def test_an_action_in_a_worker_process_reaches_a_socket_at_once(
    cluster: Cluster, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    reader = await connect(cluster.b, cluster, "marko.nikolic")
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        result = act_in_process(cluster, "worker", thread_id, "from the worker")
        assert result["discard"] is False  # the worker's runtime publishes
        assert result["outbox"] == 0  # published after its commit, not left to the relay
        await expect_post(reader, channel, result["post"])
    finally:
        await reader.close()


async def test_an_action_from_the_cli_without_redis_reaches_a_socket_through_the_relay(
    cluster: Cluster, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    reader = await connect(cluster.a, cluster, "marko.nikolic")
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        # A Redis address nobody listens on: the CLI's process cannot publish anything itself.
        result = act_in_process(
            cluster, "cli", thread_id, "from the CLI", HUB_REDIS_URL="redis://127.0.0.1:9/0"
        )
        assert result["discard"] is True
        assert result["outbox"] >= 1  # committed with the post, waiting for the relay
        await expect_post(reader, channel, result["post"])
    finally:
        await reader.close()
