"""Votes per second: many people casting and changing their votes on one proposal at once.

    python -m bench.votes [--clients 200] [--changes 4] [--rate 600] [--sqlite]
                          [--database-url URL] [--servers 1] [--processes 1]
                          [--ballot open|secret]
                          [--counting member|municipality] [--profile FILE]

A fresh database of the benchmark's own (PostgreSQL by default, dropped and created again;
SQLite in a temporary directory with --sqlite) and an embedded Redis; the data made fast by
bench/votes_seed.py (one network, `clients` members with API tokens, a coordinator, an
approved proposal); a real `hub serve`; the vote opened over HTTP by the coordinator. Then
`clients` concurrent clients (a lean asyncio HTTP/1.1 client, bench/lean_http.py: keep-alive,
one connection each) each cast a
vote and change it `changes` times, on a fixed schedule of `rate` votes a second over all
clients (0: each client sends its next vote as soon as the last is answered); with --servers N,
N `hub serve` processes share the database and Redis and the clients are spread over them (as
behind a load balancer); with --processes N, each `hub serve` runs N serving processes on one
socket (`hub serve --processes`; the kernel hands each connection to one of them), and the CPU
counted is theirs together. The baseline,
in the same run with the same clients and schedule: GET /api/v1/me (the token checked, one
query, a small JSON answer).

Printed: votes per second, p50/p95/p99 latency, the server's CPU, the load average before and
after each round, and a check that the tally (while open, for open ballots, and the frozen
result after the close) equals each client's last accepted choice. The exit status is 1 when
the check fails or a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.board import free_port, server
from bench.fanout import cpu_seconds, serving_pids
from bench.lean_http import Answer, LeanClient, LeanHTTPError
from bench.votes_check import CHOICES, check_tally, expected_tally
from bench.votes_seed import COORDINATOR, PASSWORD, Seeded, populate, reset_postgres

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_votes"


@dataclass
class Round:
    name: str
    sent: int = 0
    ok: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0  # server CPU seconds per wall second
    client_cpu: float = 0.0  # this process' CPU seconds per wall second (the clients)
    unknown: int = 0  # requests without an answer or with a 5xx: taken or not, nobody knows
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()

    @property
    def cpu_per_request(self) -> float:
        """The servers' CPU milliseconds per accepted request: what the load average moves
        least (a busy machine stretches the wall clock, not the work)."""
        return self.cpu * self.seconds / self.ok * 1000 if self.ok else 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


# --- the clients --------------------------------------------------------------------------------


Send = Callable[[LeanClient, int, int], Awaitable[Answer]]


async def drive(
    urls: list[str],
    tokens: list[str],
    per_client: int,
    rate: float,
    send: Send,
    name: str,
    cpu: Callable[[], float] = lambda: 0.0,
) -> Round:
    """Each client (one keep-alive connection to one of the servers, its own token) makes
    `per_client` requests in order; request k of client c is due at (k * clients + c) / rate
    seconds (rate 0: at once). `cpu` gives the servers' CPU seconds so far."""
    out = Round(name)
    clients = len(tokens)
    loop = asyncio.get_running_loop()

    async def client(c: int, http: LeanClient) -> None:
        for k in range(per_client):
            if rate:
                delay = start + (k * clients + c) / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            began = time.perf_counter()
            out.sent += 1
            try:
                answer = await send(http, c, k)
            except LeanHTTPError as exc:
                out.statuses[str(exc)] += 1
                out.unknown += 1
                continue
            out.latencies.append(time.perf_counter() - began)
            out.unknown += answer.status_code >= 500
            out.statuses[str(answer.status_code)] += 1
            out.ok += answer.status_code == 200

    https = [
        LeanClient(urls[c % len(urls)], {"Authorization": f"Bearer {t}"}, timeout=60)
        for c, t in enumerate(tokens)
    ]
    try:
        await asyncio.gather(*(h.get("/healthz") for h in https))  # connections open first
        out.load_before = os.getloadavg()
        cpu0, mine, start = cpu(), time.process_time(), loop.time()
        await asyncio.gather(*(client(c, h) for c, h in enumerate(https)))
        out.seconds = loop.time() - start
        out.cpu = (cpu() - cpu0) / out.seconds
        out.client_cpu = (time.process_time() - mine) / out.seconds
        out.load_after = os.getloadavg()
    finally:
        await asyncio.gather(*(h.aclose() for h in https))
    return out


def plan(clients: int, per_client: int, seed: int) -> list[list[tuple[str, str]]]:
    """Each client's choices in order (every change a different choice), some with a reason."""
    rng = random.Random(seed)
    plans = []
    for _ in range(clients):
        choices = [rng.choice(CHOICES)]
        for _ in range(per_client - 1):
            choices.append(rng.choice([c for c in CHOICES if c != choices[-1]]))
        plans.append([(c, "Obrazloženje glasa." if rng.random() < 0.2 else "") for c in choices])
    return plans


async def measure(
    urls: list[str], pids: list[int], seeded: Seeded, args: argparse.Namespace
) -> tuple[Round, Round, dict[int, str]]:
    tokens = seeded.tokens
    per_client = args.changes + 1
    proposal = seeded.proposal_id
    plans = plan(len(tokens), per_client, args.seed)
    last: dict[int, str] = {}

    async def me(http: LeanClient, c: int, k: int) -> Answer:
        return await http.get("/api/v1/me")

    async def vote(http: LeanClient, c: int, k: int) -> Answer:
        choice, reason = plans[c][k]
        body = {"choice": choice} | ({"reason": reason} if reason else {})
        answer = await http.put(f"/api/v1/proposals/{proposal}/vote", json=body)
        if answer.status_code == 200:  # in order per client: the last 200 is the current vote
            last[seeded.voter_ids[c]] = choice
        return answer

    def cpu() -> float:
        return sum(cpu_seconds(pid) for pid in pids)

    await drive(urls, tokens, 2, 0, me, "warm-up")
    baseline = await drive(urls, tokens, per_client, args.rate, me, "GET /api/v1/me", cpu)
    votes = await drive(urls, tokens, per_client, args.rate, vote, "PUT vote", cpu)
    return baseline, votes, last


async def coordinator_token(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        answer = await http.post(
            "/api/v1/auth/token", json={"email": COORDINATOR, "password": PASSWORD}
        )
        answer.raise_for_status()
        return str(answer.json()["token"])


def call(
    url: str, token: str, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    answer = httpx.request(
        method, url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    if answer.status_code >= 300:
        raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
    result: dict[str, Any] = answer.json()
    return result


def verify(
    url: str, coordinator: str, path: str, ballot: str, expected: Mapping[str, int]
) -> tuple[dict[str, Any], list[str]]:
    """The tally while open (open ballots: a secret one shows no totals before the close),
    then the close and the frozen result: each against the clients' last accepted choices."""
    problems = []
    if ballot == "open":
        live = call(url, coordinator, "GET", f"{path}/tally")
        problems += [f"open: {p}" for p in check_tally(live, expected)]
    call(url, coordinator, "POST", f"{path}/voting/close")
    final = call(url, coordinator, "GET", f"{path}/tally")
    problems += [f"closed: {p}" for p in check_tally(final, expected)]
    return final, problems


# --- the run ------------------------------------------------------------------------------------


def hub_env(root: Path, redis_url: str, database_url: str | None, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(root / "data"),
        HUB_BASE_URL=url,
        HUB_REDIS_URL=redis_url,
        HUB_LOG_FORMAT="text",
    )
    if database_url:
        env["HUB_DATABASE_URL"] = database_url
    for name in ("HUB_VOTES_PER_MINUTE",):  # a documented limit the caller may set
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def profiler(path: Path, i: int) -> list[str]:
    """Arguments to run server `i` under pyinstrument (a .txt or .html `path`; installed
    separately) or cProfile on the CPU clock (any other suffix: bench/cpu_profile.py), its
    report written to `path` with `.i` before the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = str(path.with_name(f"{path.stem}.{i}{path.suffix}"))
    if path.suffix in (".txt", ".html"):
        renderer = "text" if path.suffix == ".txt" else "html"
        return ["-m", "pyinstrument", "-r", renderer, "-o", out]
    return ["-m", "bench.cpu_profile", out]


def run(args: argparse.Namespace) -> int:
    from hub.config import load_settings
    from hub.plumbing.embedded_redis import EmbeddedRedis
    from hub.plumbing.migrate import upgrade

    database_url = None if args.sqlite else args.database_url
    if database_url:
        asyncio.run(reset_postgres(database_url))
    with tempfile.TemporaryDirectory(prefix="hub-bench-votes-") as tmp:
        root = Path(tmp)
        redis = EmbeddedRedis(root / "redis", persistent=False)
        redis_url = redis.start()
        try:
            ports = [free_port() for _ in range(args.servers)]
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            url = urls[0]
            env = hub_env(root, redis_url, database_url, url)
            upgrade(load_settings(env).database_url)
            began = time.perf_counter()
            seeded = asyncio.run(populate(env, args.clients))
            seed_seconds = time.perf_counter() - began
            with contextlib.ExitStack() as servers:
                pids = []
                for i, port in enumerate(ports):
                    cmd = [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)]
                    cmd += ["--processes", args.processes]
                    cmd += ["--no-worker"] if i else []  # one worker is enough
                    if args.profile:  # the whole life of the process, written when it stops
                        cmd[1:1] = profiler(Path(args.profile).resolve(), i)
                    ready = f"{urls[i]}/readyz"
                    parent = servers.enter_context(server(cmd, env, ready, root / f"{i}.log"))
                    pids += serving_pids(urls[i], parent.pid, args.processes)
                coordinator = asyncio.run(coordinator_token(url))
                closes = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
                rules = {
                    "closes_at": closes.isoformat(),
                    "quorum": 50,
                    "threshold": 50,
                    "counting": args.counting,
                    "ballot": args.ballot,
                }
                path = f"/api/v1/proposals/{seeded.proposal_id}"
                call(url, coordinator, "POST", f"{path}/voting", rules)
                baseline, votes, last = asyncio.run(measure(urls, pids, seeded, args))
                expected = expected_tally(last, args.counting, seeded.municipality_of)
                final, problems = verify(url, coordinator, path, args.ballot, expected)
            failed = sum(n for s, n in votes.statuses.items() if s not in ("200", "429"))
            failed += sum(n for s, n in baseline.statuses.items() if s != "200")
            if failed:  # what the servers said about it
                for log in sorted(root.glob("*.log")):
                    errors = [x for x in log.read_text().splitlines() if "Error" in x]
                    print(f"{log.name}: {len(errors)} error lines", *errors[-5:], sep="\n  ")
            print(report(args, database_url, seed_seconds, baseline, votes, final, problems))
            return 1 if problems or failed else 0
        finally:
            redis.stop()


def report(
    args: argparse.Namespace,
    database_url: str | None,
    seed_seconds: float,
    baseline: Round,
    votes: Round,
    final: Mapping[str, Any],
    problems: list[str],
) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    backend = "PostgreSQL" if database_url else "SQLite"
    rate = f"{args.rate:g}/s offered" if args.rate else "as fast as answered"
    lines = [
        f"{args.clients} clients x {args.changes + 1} votes (a cast and {args.changes} changes), "
        f"{rate}, {backend}, {args.servers} hub serve"
        + (f" --processes {args.processes}" if args.processes != "1" else "")
        + f", {args.ballot} ballot, "
        f"counting per {args.counting}; "
        f"{os.cpu_count()} CPUs; seeded in {seed_seconds:.1f} s",
        f"{'round':<16}{'ok/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'CPU':>6}{'ms/req':>8}{'client':>7}"
        f"{'answers':>26}  load before -> after",
    ]
    for r in (baseline, votes):
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(r.statuses.items()))
        before = " ".join(f"{x:.2f}" for x in r.load_before)
        after = " ".join(f"{x:.2f}" for x in r.load_after)
        lines.append(
            f"{r.name:<16}{r.rate:>8.0f}{r.percentile(50):>9.1f}{r.percentile(95):>9.1f}"
            f"{r.percentile(99):>9.1f}{r.cpu:>6.2f}{r.cpu_per_request:>8.1f}{r.client_cpu:>7.2f}{answers:>26}"
            f"  {before} -> {after}"
        )
    lines.append(
        f"load average now {load}; CPU: the servers' CPU seconds per second, ms/req: their "
        "CPU milliseconds per answer, client: the clients' CPU seconds per second"
    )
    if votes.statuses.get("429"):
        lines.append(f"RATE LIMITED: {votes.statuses['429']} votes refused with 429 (S6)")
    tally = {k: final.get(k) for k in ("yes", "no", "abstain", "turnout", "eligible", "passing")}
    lines.append(f"final tally {tally}")
    met = votes.rate >= 500 and votes.percentile(99) < 200
    lines.append(f"target >= 500 votes/s with p99 < 200 ms: {'met' if met else 'NOT met'}")
    if votes.unknown:
        lines.append(
            f"{votes.unknown} votes got no answer or a 5xx: whether they were taken is unknown, "
            "so the tally check cannot be exact (see the server's log)"
        )
    if problems:
        lines += ["TALLY CHECK FAILED:", *(f"  {p}" for p in problems)]
    else:
        lines.append("tally check: exact (equals every client's last accepted choice)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.votes", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--clients", type=int, default=200, help="voters, one client each")
    parser.add_argument("--changes", type=int, default=4, help="changes after each first vote")
    # Offered a fifth above the target: a schedule of exactly 500 votes a second measures just
    # under 500, since the rate counts until the last answer, which comes after the last send.
    parser.add_argument("--rate", type=float, default=600, help="votes/s offered; 0: flat out")
    parser.add_argument(
        "--database-url", default=DEFAULT_DB, help="emptied! name must contain bench"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary directory")
    parser.add_argument("--ballot", choices=("open", "secret"), default="open")
    parser.add_argument("--counting", choices=("member", "municipality"), default="member")
    parser.add_argument("--servers", type=int, default=1, help="hub serve processes")
    parser.add_argument(
        "--processes", default="1", help="hub serve --processes: a number, or auto (one per core)"
    )
    parser.add_argument("--seed", type=int, default=1, help="of the clients' choices")
    parser.add_argument(
        "--profile",
        default="",
        help="profile the servers: x.txt or x.html (pyinstrument), x.prof (cProfile)",
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
