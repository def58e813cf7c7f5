"""Requests per second of the thread page (50 posts) and the board page (30 threads), beside a
bare Starlette + Jinja2 page of the same size, all measured in one run on this machine.

Each server is a real process (`hub serve`, and uvicorn for the baseline); this process is the
client: N requests per page, a fixed number in flight, with a signed-in session cookie. The data
is made through the actions (users, memberships, threads, posts), as people would make it.
With `processes` above 1 the hub runs `hub serve --processes N` and the baseline uvicorn's
`--workers N`, so the two stay comparable.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

NETWORK = "elektronska-uprava"
PASSWORD = "bench-password-123"
READER = "citalac@bench.test"
POSTS = 50
THREADS = 30
MARKDOWN = (
    "Kako ste u opštini rešili **e-zakazivanje**? Mi koristimo:\n\n"
    "- portal eUprava za zahteve\n- sopstveni sistem za zakazivanje\n\n"
    "```python\nprint('zdravo')\n```\n\n"
    "Detalji su na [sajtu](https://example.com/uputstvo). Post {n}."
)


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the data, through the actions --------------------------------------------------------------


async def populate(env: dict[str, str]) -> tuple[int, str]:
    """Seed, people, a board of THREADS threads, one of them POSTS posts long; its id and title."""
    from hub.actions.accounts import do_create_user
    from hub.actions.bodies import do_set_network_member
    from hub.actions.context import act
    from hub.actions.posts import do_reply
    from hub.actions.seed import do_seed
    from hub.actions.threads import do_create_thread
    from hub.config import load_settings
    from hub.plumbing.runtime import open_runtime

    settings = load_settings(env).with_(run_worker=False)
    async with open_runtime(settings, with_jobs=False) as runtime:
        async with act(runtime, system=True) as ctx:
            await do_seed(ctx)
            ids = []
            for i, email in enumerate([READER, *(f"autor{i}@bench.test" for i in range(5))]):
                user, _ = await do_create_user(
                    ctx, email=email, name=f"Autor Benč {i}", password=PASSWORD
                )
                await do_set_network_member(ctx, NETWORK, user.id or 0, role="member")
                ids.append(user.id or 0)
        authors = ids[1:]
        for n in range(THREADS - 1):
            async with act(runtime, actor_id=authors[n % len(authors)]) as ctx:
                await do_create_thread(
                    ctx, NETWORK, title=f"Tema broj {n}", body=MARKDOWN.format(n=0)
                )
        title = "Tema sa pedeset postova"
        async with act(runtime, actor_id=authors[0]) as ctx:
            thread, _ = await do_create_thread(ctx, NETWORK, title=title, body=MARKDOWN.format(n=1))
        for n in range(2, POSTS + 1):
            async with act(runtime, actor_id=authors[n % len(authors)]) as ctx:
                await do_reply(ctx, thread.id or 0, body=MARKDOWN.format(n=n))
        return thread.id or 0, title


# --- the servers --------------------------------------------------------------------------------


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # waiting for another process to listen
    raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")


@contextmanager
def server(
    args: list[str], env: dict[str, str], ready: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(ready, process, log)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- the client ---------------------------------------------------------------------------------


async def sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on /signin"
    response = await client.post(
        "/signin", data={"email": READER, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text[:500]


async def drive(
    name: str, client: httpx.AsyncClient, path: str, n: int, concurrency: int, expect: str
) -> Result:
    """`n` GETs of `path` with `concurrency` in flight; every answer must be 200 with `expect`."""
    first = await client.get(path)
    if first.status_code != 200 or expect not in first.text:
        raise RuntimeError(f"{name}: {path} answered {first.status_code}:\n{first.text[:800]}")
    for _ in range(min(100, n // 10)):  # warm-up: caches, connections, JIT-free but lazy imports
        await client.get(path)
    latencies: list[float] = []
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {response.status_code}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, n, time.perf_counter() - started, latencies)


async def measure(
    hub_url: str, base_url: str, thread_id: int, title: str, n: int, concurrency: int
) -> list[Result]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with (
        httpx.AsyncClient(base_url=hub_url, limits=limits, timeout=60) as hub,
        httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as bare,
    ):
        await sign_in(hub)
        return [
            await drive("baseline", bare, "/", n, concurrency, "Post 50."),
            await drive("board", hub, f"/networks/{NETWORK}", n, concurrency, title),
            await drive("thread", hub, f"/threads/{thread_id}", n, concurrency, "Post 50."),
        ]


def report(
    results: list[Result], n: int, concurrency: int, backend: str, processes: int = 1
) -> str:
    cpu = platform.processor() or platform.machine()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"{n} requests per page, {concurrency} in flight, {backend}, "
        + (f"{processes} processes per server, " if processes > 1 else "")
        + f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load {load}",
        f"{'page':<10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'vs baseline':>14}",
    ]
    base = results[0].rps
    for r in results:
        lines.append(
            f"{r.name:<10}{r.rps:>10.0f}{r.percentile(50):>10.1f}{r.percentile(95):>10.1f}"
            f"{r.rps / base:>13.0%}"
        )
    return "\n".join(lines)


def run(
    n: int = 2000, concurrency: int = 8, database_url: str | None = None, processes: int = 1
) -> str:
    """The benchmark's report: requests per second of each page beside the baseline."""
    backend = "PostgreSQL" if database_url else "SQLite"
    results = measure_all(n, concurrency, database_url, processes)
    return report(results, n, concurrency, backend, processes)


def measure_all(
    n: int, concurrency: int, database_url: str | None = None, processes: int = 1
) -> list[Result]:
    """Fresh data, both servers, `n` requests of each page: baseline, board, thread."""
    from hub.plumbing.embedded_redis import EmbeddedRedis
    from hub.plumbing.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        root = Path(tmp)
        redis = EmbeddedRedis(root / "redis", persistent=False)
        redis_url = redis.start()
        try:
            hub_port, base_port = free_port(), free_port()
            hub_url, base_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{base_port}"
            env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
            env.update(
                HUB_DATA_DIR=str(root / "data"),
                HUB_BASE_URL=hub_url,
                HUB_REDIS_URL=redis_url,
                HUB_LOG_FORMAT="text",
                HUB_POSTS_PER_MINUTE="0",
            )
            if database_url:
                env["HUB_DATABASE_URL"] = database_url
            from hub.config import load_settings

            upgrade(load_settings(env).database_url)
            thread_id, title = asyncio.run(populate(env))
            hub_cmd = [sys.executable, "-m", "hub.cli", "serve", "--port", str(hub_port)]
            hub_cmd += ["--processes", str(processes)]
            base_cmd = [sys.executable, "-m", "uvicorn", "bench.board:baseline_app", "--factory"]
            base_cmd += ["--port", str(base_port), "--no-access-log", "--log-level", "warning"]
            base_cmd += ["--workers", str(processes)] if processes > 1 else []
            with (
                server(hub_cmd, env, f"{hub_url}/readyz", root / "hub.log"),
                server(base_cmd, env, f"{base_url}/", root / "baseline.log"),
            ):
                return asyncio.run(measure(hub_url, base_url, thread_id, title, n, concurrency))
        finally:
            redis.stop()


# --- the baseline: a bare Starlette + Jinja2 page of the same size --------------------------------

_BASE = """<!doctype html>
<html lang="sr-Latn"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/hub.css"></head>
<body><header><nav><a href="/">Početna</a> <a href="/networks">Mreže</a></nav></header>
<main><h1>{{ title }}</h1>
{% for post in posts %}
<article class="post" id="post-{{ post.id }}">
  <header><strong>{{ post.author }}</strong> · {{ post.municipality }}
  <time datetime="{{ post.at }}">{{ post.at }}</time></header>
  <div class="body">{{ post.html | safe }}</div>
  <footer><button>👍 {{ post.likes }}</button> <a href="?reply_to={{ post.id }}">Odgovori</a>
  </footer>
</article>
{% endfor %}
<form method="post"><textarea name="body"></textarea><button>Pošalji</button></form>
</main></body></html>"""


def baseline_app() -> object:
    """The same amount of HTML from a template, with no database, session or middleware."""
    from jinja2 import DictLoader, Environment, select_autoescape
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates

    from hub.text.markdown import render

    env = Environment(loader=DictLoader({"page.html": _BASE}), autoescape=select_autoescape())
    templates = Jinja2Templates(env=env)
    posts = [
        {
            "id": n,
            "author": f"Autor Benč {n % 5}",
            "municipality": "Niš",
            "at": "2025-03-01T10:00:00Z",
            "html": render(MARKDOWN.format(n=n)),
            "likes": n % 3,
        }
        for n in range(1, POSTS + 1)
    ]

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(
            request, "page.html", {"title": "Tema sa pedeset postova", "posts": posts}
        )

    return Starlette(routes=[Route("/", page)])
