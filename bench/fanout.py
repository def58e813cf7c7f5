"""Fan-out benchmark: one thread, N subscribers, posts through the real action path.

    python -m bench.fanout [--subscribers 100,1000,5000] [--rate 20] [--seconds 10]
                           [--redis-url URL] [--database-url URL] [--processes N]

For each N it starts a fresh `hub serve` (SQLite and the embedded Redis unless URLs are given),
opens N WebSocket subscriptions to the demo thread from a separate process
(bench/fanout_client.py), writes posts through POST /api/v1/threads/{id}/posts at `rate` per
second for `seconds`, and reports delivered messages per second, latency from the post's
created_at (stamped in its transaction) to receipt (p50/p95/p99), the server's resident memory
per connection (VmRSS before and after connecting) and its CPU use while publishing. Then it
does the same through bench/baseline_ws.py, a minimal websockets-only broadcast server, with
frames of the same size, and prints both and the ratio. Results go to docs/performance.md.

With `--processes N` the hub is `hub serve --processes N` (`auto`: one per core): its CPU and
memory are those of its N serving processes together, and full collections are not counted
(/metrics answers for one process at a time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

PYTHON = sys.executable
NETWORK = "elektronska-uprava"
POSTER = "milica.ilic@demo.skgo.test"
READER = "marko.nikolic@demo.skgo.test"
PASSWORD = "demo-lozinka"  # hub.actions.seed.DEMO_PASSWORD
TAIL = 60.0  # seconds to wait for the last deliveries after the last post


@dataclass
class Result:
    server: str
    subscribers: int
    posts: int
    received: int
    expected: int
    rate: float  # delivered frames per second
    p50: float
    p95: float
    p99: float
    rss_per_conn: float  # bytes
    cpu: float  # server CPU seconds per wall second while publishing
    cpu_per_frame: float  # server CPU seconds per delivered frame (posting included for the hub)
    frame_bytes: int
    open_seconds: float
    full_gcs: int | None = None  # scheduled full garbage collections while publishing (hub only)
    gc_pause: float = 0.0  # their pauses, seconds in all


def gc_totals(url: str | None) -> tuple[int, float]:
    """How many scheduled full collections the hub has run, and their pauses in all (seconds),
    from its /metrics (hub.plumbing.gc_policy)."""
    if url is None:
        return 0, 0.0
    found = {"count": 0.0, "sum": 0.0}
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        for key in found:
            if line.startswith(f"hub_gc_full_collection_seconds_{key} "):
                found[key] = float(line.split()[1])
    return int(found["count"]), found["sum"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss(pids: list[int]) -> int:
    """The resident memory of `pids` together."""
    total = 0
    for pid in pids:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        total += next(int(line.split()[1]) * 1024 for line in lines if line.startswith("VmRSS:"))
    return total


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_total(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def serving_pids(url: str, parent: int, processes: str) -> list[int]:
    """The processes that serve: `hub serve` itself, or with --processes the children that
    answer /healthz (each names its pid), asked at once until all have answered."""
    if processes == "1":
        return [parent]
    count = len(os.sched_getaffinity(0)) if processes in ("auto", "0") else int(processes)

    async def asked() -> set[int]:
        async def one() -> int:
            async with httpx.AsyncClient(timeout=30) as http:
                return int((await http.get(f"{url}/healthz")).json()["pid"])

        return set(await asyncio.gather(*(one() for _ in range(4 * count))))

    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while len(seen) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(seen)} of {count} serving processes answered")
        seen |= asyncio.run(asked())
    return sorted(seen)


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def hub_env(data_dir: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    # 20 posts a second from one account is the load, not a flood: no posting limit here.
    env.update(HUB_DATA_DIR=str(data_dir), HUB_LOG_FORMAT="text", HUB_POSTS_PER_MINUTE="0")
    if args.redis_url:
        env["HUB_REDIS_URL"] = args.redis_url
    if args.database_url:
        env["HUB_DATABASE_URL"] = args.database_url
    return env


@contextlib.contextmanager
def process(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[Any]:
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def hub_server(root: Path, args: argparse.Namespace) -> Iterator[tuple[str, Any]]:
    env = hub_env(root, args)
    port = free_port()
    env["HUB_BASE_URL"] = f"http://127.0.0.1:{port}"
    with process(
        [PYTHON, "-m", "hub.cli", "serve", "--port", str(port), "--processes", args.processes],
        root / "serve.log",
        env,
    ) as proc:
        wait_for_port(port, proc)
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):  # readiness: database and Redis answer
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            time.sleep(0.1)
        yield url, proc


class Subscribers:
    """The client process: N connections, then one JSON line of results."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        if not text:
            raise RuntimeError(f"the client process ended ({self.proc.wait()})")
        result: dict[str, Any] = json.loads(text)
        return result

    def expect(self, per_connection: int, deadline: float, event_type: str) -> None:
        """Start a round of the client's count; returns once the client has (its answer)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{per_connection} {deadline} {event_type}\n")
        self.proc.stdin.flush()
        if self.line().get("round") != event_type:
            raise RuntimeError("the client did not start the round")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


async def paced(count: int, rate: float, send: Any) -> None:
    """Call send(i) `rate` times a second on a fixed schedule; a slow call delays no other."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(count):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)


def token(url: str, email: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def measure(
    n: int,
    posts: int,
    args: argparse.Namespace,
    client_cmd: list[str],
    server_pids: list[int],
    rounds: list[tuple[str, Any, str]],
    results: list[Result] | None = None,
    metrics_url: str | None = None,
) -> list[Result]:
    """Open the subscribers once, then for each (name, publish, event type) round, publish and
    collect into `results` (where a later round's publisher may read an earlier round's figures)."""
    before = rss(server_pids)
    subs = Subscribers(client_cmd)
    results = [] if results is None else results
    try:
        ready = subs.line()
        after = rss(server_pids)
        for name, publish, event_type in rounds:
            warm = int(args.rate * args.warmup)
            if warm:  # first requests compile queries and templates: not what is measured
                subs.expect(warm, args.warmup + TAIL, event_type)
                asyncio.run(publish(warm))
                subs.line()
            subs.expect(posts, args.seconds + TAIL, event_type)
            profilers = []
            for pid in server_pids if args.profile else []:  # py-spy's raw stacks while publishing
                suffix = f"-{pid}" if len(server_pids) > 1 else ""
                out_file = Path(args.profile) / f"{name.replace(' ', '-')}-{n}{suffix}.txt"
                cmd = ["py-spy", "record", "-p", str(pid), "-f", "raw", "-o", str(out_file)]
                cmd += ["-d", str(int(args.seconds) + 2), "-r", "100"]
                profilers.append(subprocess.Popen(cmd))
            gcs0, paused0 = gc_totals(metrics_url)
            cpu0, wall0 = cpu_total(server_pids), time.time()
            asyncio.run(publish(posts))
            cpu1, wall1 = cpu_total(server_pids), time.time()
            out = subs.line()
            cpu_end = cpu_total(server_pids)
            gcs1, paused1 = gc_totals(metrics_url)
            if args.workdir:  # per post latencies, to tell a slow start from a backlog
                trace = Path(args.workdir) / f"{name.replace(' ', '-').replace(',', '')}-{n}.json"
                trace.write_text(json.dumps(out["by_post"]))
            for profiler in profilers:
                profiler.wait()
            results.append(
                Result(
                    server=name,
                    subscribers=n,
                    posts=posts,
                    received=out["received"],
                    expected=out["expected"],
                    rate=out["received"] / max(out["last"] - wall0, 1e-9),
                    p50=out["p50"],
                    p95=out["p95"],
                    p99=out["p99"],
                    rss_per_conn=(after - before) / n,
                    cpu=(cpu1 - cpu0) / (wall1 - wall0),
                    cpu_per_frame=(cpu_end - cpu0) / max(out["received"], 1),
                    frame_bytes=out["frame_bytes"],
                    open_seconds=ready["open_seconds"],
                    full_gcs=gcs1 - gcs0 if metrics_url else None,
                    gc_pause=paused1 - paused0,
                )
            )
    finally:
        subs.close()
    return results


def run_hub(n: int, args: argparse.Namespace, work: Path) -> list[Result]:
    """The real action path (HTTP posts), then the same socket fan-out of events put straight
    on the bus (no post to write, no partial to render): what the /ws layer itself costs."""
    root = work / f"hub-{n}"
    root.mkdir()
    env = hub_env(root, args)
    for cmd in (["migrate"], ["seed", "--demo"]):
        subprocess.run([PYTHON, "-m", "hub.cli", *cmd], env=env, check=True, capture_output=True)
    with hub_server(root, args) as (url, proc):
        poster, reader = token(url, POSTER), token(url, READER)
        threads = httpx.get(
            f"{url}/api/v1/networks/{NETWORK}/threads",
            headers={"Authorization": f"Bearer {reader}"},
            timeout=30,
        ).json()["items"]
        thread = threads[0]["id"]
        ws = url.replace("http", "ws", 1) + "/ws"
        client = [PYTHON, "-m", "bench.fanout_client", ws, str(n)]
        client += ["--token", reader, "--channel", f"thread:{thread}"]
        client += ["--deflate"] if args.deflate else []
        posts = int(args.rate * args.seconds)
        failures: list[str] = []

        async def publish(count: int) -> None:
            limits = httpx.Limits(max_connections=64)
            headers = {"Authorization": f"Bearer {poster}"}
            async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as http:

                async def send(i: int) -> None:
                    try:
                        answer = await http.post(
                            f"{url}/api/v1/threads/{thread}/posts",
                            json={"body": f"bench post {i}"},
                        )
                        if answer.status_code != 201:
                            failures.append(str(answer.status_code))
                    except httpx.HTTPError as exc:
                        failures.append(type(exc).__name__)

                await paced(count, args.rate, send)

        async def publish_to_bus(count: int) -> None:
            from redis.asyncio import Redis

            from hub.events import Event
            from realtime.bus import EventBus

            redis_url = args.redis_url or f"unix://{root / 'redis' / 'redis.sock'}"
            redis = Redis.from_url(redis_url, decode_responses=True)
            bus = EventBus(redis)

            async def send(i: int) -> None:
                frame = json.loads(baseline_frame(i, results[0].frame_bytes))
                # A type with no partial renderer: the frame goes out as published.
                event = Event(f"thread:{thread}", "reaction.changed", frame["data"])
                await bus.publish([event])

            try:
                await paced(count, args.rate, send)
            finally:
                await redis.aclose()

        pids = serving_pids(url, proc.pid, args.processes)
        metrics = url if pids == [proc.pid] else None
        hub = "hub" if pids == [proc.pid] else f"hub ×{len(pids)}"
        rounds: list[tuple[str, Any, str]] = [(hub, publish, "post.created")]
        if not args.no_bus_round:  # padded to the size of the posts' frames of the first round
            rounds.append((f"{hub}, bus only", publish_to_bus, "reaction.changed"))
        results: list[Result] = []
        measure(n, posts, args, client, pids, rounds, results, metrics_url=metrics)
        if failures:
            print(f"  {len(failures)} posts failed: {sorted(set(failures))}", file=sys.stderr)
        for line in (root / "serve.log").read_text(errors="replace").splitlines():
            if "full garbage collection" in line or "busy" in line:  # a long pause and why
                print(f"  server: {line[:300]}", file=sys.stderr)
        return results


def run_baseline(n: int, args: argparse.Namespace, work: Path, frame_bytes: int) -> Result:
    port = free_port()
    log = work / f"baseline-{n}.log"
    deflate = ["--deflate"] if args.deflate else []
    with process([PYTHON, "-m", "bench.baseline_ws", str(port), *deflate], log) as proc:
        wait_for_port(port, proc)
        ws = f"ws://127.0.0.1:{port}/"
        client = [PYTHON, "-m", "bench.fanout_client", ws, str(n), "--baseline", *deflate]
        posts = int(args.rate * args.seconds)

        async def publish(count: int) -> None:
            async with connect(ws, compression=None, max_size=2**22) as conn:

                async def send(i: int) -> None:
                    await conn.send(baseline_frame(i, frame_bytes))

                await paced(count, args.rate, send)

        rounds = [("baseline", publish, "post.created")]
        return measure(n, posts, args, client, [proc.pid], rounds)[0]


def baseline_frame(i: int, size: int) -> str:
    """An event frame shaped like the hub's, padded to the hub's average frame size."""
    now = dt.datetime.now(dt.UTC).isoformat()
    frame = {
        "type": "event",
        "channel": "thread:1",
        "id": f"{int(time.time() * 1000)}-{i}",
        "event": "post.created",
        "data": {"id": i, "created_at": now, "body": ""},
    }
    pad = max(0, size - len(json.dumps(frame, separators=(",", ":"))))
    frame["data"]["body"] = "x" * pad
    return json.dumps(frame, separators=(",", ":"))


def table(results: list[Result]) -> str:
    head = (
        "| subscribers | server | delivered msg/s | delivered | p50 ms | p95 ms | p99 ms "
        "| RSS/conn KiB | server CPU | CPU µs/frame | frame B | full GCs |"
    )
    rows = [head, "|" + "---|" * 12]
    for r in results:
        gcs = "–" if r.full_gcs is None else f"{r.full_gcs}"
        if r.full_gcs:
            gcs += f" ({r.gc_pause / r.full_gcs * 1000:.0f} ms each)"
        rows.append(
            f"| {r.subscribers:,} | {r.server} | {r.rate:,.0f} | {r.received:,}/{r.expected:,} "
            f"| {r.p50 * 1000:.1f} | {r.p95 * 1000:.1f} | {r.p99 * 1000:.1f} "
            f"| {r.rss_per_conn / 1024:.1f} | {r.cpu:.0%} | {r.cpu_per_frame * 1e6:.0f} "
            f"| {r.frame_bytes} | {gcs} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="WebSocket fan-out: the hub against a baseline")
    parser.add_argument("--subscribers", default="100,1000,5000")
    parser.add_argument("--rate", type=float, default=20.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to publish")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of publishing before each measurement"
    )
    parser.add_argument("--redis-url", default="", help="default: the embedded Redis")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--processes", default="1", help="hub serve --processes: a number, or auto (one per core)"
    )
    parser.add_argument("--workdir", default="", help="keep data and logs here (default: temp)")
    parser.add_argument("--profile", default="", help="write py-spy stacks of the servers here")
    parser.add_argument(
        "--deflate", action="store_true", help="negotiate permessage-deflate, as browsers do"
    )
    parser.add_argument(
        "--no-bus-round", action="store_true", help="skip the events-straight-to-the-bus round"
    )
    args = parser.parse_args(argv)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    levels = [int(n) for n in args.subscribers.split(",")]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="hub-fanout-") as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in levels:
            print(f"{n} subscribers: hub ...", file=sys.stderr, flush=True)
            hubs = run_hub(n, args, work)
            print(f"{n} subscribers: baseline ...", file=sys.stderr, flush=True)
            base = run_baseline(n, args, work, hubs[0].frame_bytes)
            results += [*hubs, base]
            print(table([*hubs, base]), file=sys.stderr, flush=True)
    print(table(results))
    print()
    for n in levels:
        level = [r for r in results if r.subscribers == n]
        base = next(r for r in level if r.server == "baseline")
        for r in level:
            if r is not base:
                print(
                    f"{n:>6,} subscribers, {r.server}: delivered msg/s {r.rate / base.rate:.2f} "
                    f"of the baseline's; p99 {r.p99 * 1000:.0f} ms"
                )
    if args.json:
        print(json.dumps([r.__dict__ for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
