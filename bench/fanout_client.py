"""The subscribers of bench/fanout.py, in a process of their own: N WebSocket connections on one
asyncio loop, each subscribed to one channel, timing every event frame that arrives.

    python -m bench.fanout_client WS_URL N [--token T] [--channel C] [--baseline]

Prints one JSON line `{"ready": ...}` once every connection is open (and subscribed). Then, for
each line "EXPECTED DEADLINE EVENT" on stdin (sent before anything of that round is published:
how many frames of event type EVENT each connection should get, and the seconds to wait for them
all; other frames, late ones of an earlier round, are ignored), it prints one JSON line of
results for that round. An empty line or end of input ends it.

Latency is receipt time minus the frame's `data.created_at` (the post's timestamp, written in
the transaction that commits it; the baseline's publisher stamps its send time the same way).
Both processes run on one machine, so one clock serves both ends. Identical frames (every
socket gets the same encoded event) are parsed once: the client should cost little next to
the server it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import resource
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

OPEN_AT_ONCE = 100  # handshakes in flight: a burst of thousands only measures the accept queue


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Subscribers:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.conns: list[ClientConnection] = []
        self.latencies: list[float] = []
        self.by_post: dict[float, list[float]] = {}  # created_at -> latencies of that frame
        self.counts: list[int] = []
        self.first = 0.0
        self.last = 0.0
        self.bytes = 0
        self.closed = 0
        self.expected = -1
        self.all_in = asyncio.Event()
        self._stamps: dict[str, tuple[float, str]] = {}  # frame text -> (created_at, event type)
        self.event_type = ""
        self._complete = 0

    def next_round(self, expected: int, event_type: str) -> None:
        self.event_type = event_type  # frames of other types are late ones of an earlier round
        self.latencies, self.counts = [], [0] * len(self.conns)
        self.by_post: dict[float, list[float]] = {}
        self.first = self.last = 0.0
        self.bytes = self._complete = 0
        self.all_in = asyncio.Event()
        self.expected = expected

    async def open_one(self) -> ClientConnection:
        headers = {"Authorization": f"Bearer {self.args.token}"} if self.args.token else {}
        conn = await connect(
            self.args.url,
            additional_headers=headers,
            open_timeout=120,
            ping_interval=None,
            max_size=2**22,
            compression="deflate" if self.args.deflate else None,
        )
        if not self.args.baseline:
            await conn.send(json.dumps({"type": "subscribe", "channel": self.args.channel}))
            while True:  # the answer comes before any event of the channel
                frame = json.loads(await conn.recv())
                if frame.get("type") == "subscribed":
                    break
                if frame.get("type") == "error":
                    raise RuntimeError(f"subscribe refused: {frame}")
        return conn

    async def open_all(self) -> None:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)

        async def one() -> ClientConnection:
            async with gate:
                return await self.open_one()

        self.conns = list(await asyncio.gather(*(one() for _ in range(self.args.n))))
        self.counts = [0] * len(self.conns)

    def stamp(self, message: str) -> float:
        """The frame's created_at, or -1 for anything but an event of this round's type."""
        found = self._stamps.get(message)
        if found is None:
            frame: dict[str, Any] = json.loads(message)
            found = (-1.0, "")
            if frame.get("type") == "event":
                created = dt.datetime.fromisoformat(frame["data"]["created_at"]).timestamp()
                found = (created, frame["event"])
            self._stamps[message] = found
        return found[0] if found[1] == self.event_type else -1.0

    async def read(self, index: int, conn: ClientConnection) -> None:
        try:
            async for message in conn:
                now = time.time()
                if isinstance(message, bytes):
                    continue
                created = self.stamp(message)
                if created < 0:
                    continue
                self.latencies.append(now - created)
                self.by_post.setdefault(created, []).append(now - created)
                self.bytes += len(message)
                self.first = self.first or now
                self.last = now
                self.counts[index] += 1
                if self.counts[index] == self.expected:
                    self._complete += 1
                    if self._complete == len(self.conns):
                        self.all_in.set()
        except ConnectionClosed:
            pass
        self.closed += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    fds = raise_fd_limit()
    subs = Subscribers(args)
    started = time.time()
    await subs.open_all()
    readers = [asyncio.create_task(subs.read(i, c)) for i, c in enumerate(subs.conns)]
    ready = {"ready": True, "open_seconds": round(time.time() - started, 2), "fd_limit": fds}
    print(json.dumps(ready), flush=True)

    loop = asyncio.get_running_loop()
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        expected, deadline, event_type = line.split()
        subs.next_round(int(expected), event_type)
        # Said before anything is published: a frame of the round that came before this line
        # was read would be counted in the round before, then wiped with it.
        print(json.dumps({"round": event_type}), flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(subs.all_in.wait(), float(deadline))
        received = len(subs.latencies)
        result = {
            "connections": len(subs.conns),
            "received": received,
            "expected": subs.expected * len(subs.conns),
            "first": subs.first,
            "last": subs.last,
            "frame_bytes": round(subs.bytes / received) if received else 0,
            "p50": percentile(subs.latencies, 0.50),
            "p95": percentile(subs.latencies, 0.95),
            "p99": percentile(subs.latencies, 0.99),
            "max": max(subs.latencies, default=float("nan")),
            "closed_early": subs.closed,
            # Per post, in the order written: seconds since the first, median and worst latency.
            "by_post": [
                [round(created - min(subs.by_post), 3), percentile(lat, 0.5), max(lat)]
                for created, lat in sorted(subs.by_post.items())
            ],
        }
        print(json.dumps(result), flush=True)
    for task in readers:
        task.cancel()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("n", type=int)
    parser.add_argument("--token", default="")
    parser.add_argument("--channel", default="")
    parser.add_argument("--baseline", action="store_true", help="no auth, no subscribe frame")
    parser.add_argument("--deflate", action="store_true", help="negotiate permessage-deflate")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
