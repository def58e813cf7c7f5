"""The fan-out baseline: a minimal server on the `websockets` library alone.

Every text message a connection sends is broadcast to all the other connections with
`websockets.broadcast` (no per-socket task, no queue, no authentication, no history): about the
least work a Python server can do per delivered frame. bench/fanout.py compares the hub with it.

    python -m bench.baseline_ws PORT [--deflate]
"""

from __future__ import annotations

import asyncio
import resource
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main(port: int, deflate: bool) -> None:
    clients: set[ServerConnection] = set()

    async def handler(conn: ServerConnection) -> None:
        clients.add(conn)
        try:
            async for message in conn:
                broadcast([c for c in clients if c is not conn], message)
        finally:
            clients.discard(conn)

    async with serve(
        handler,
        "127.0.0.1",
        port,
        ping_interval=20,
        ping_timeout=20,
        compression="deflate" if deflate else None,
        backlog=4096,
    ):
        print(f"baseline: serving on ws://127.0.0.1:{port}/", file=sys.stderr, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(int(sys.argv[1]), "--deflate" in sys.argv[2:]))
