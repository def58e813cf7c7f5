"""The real-time guarantees (docs/realtime.md, R1-R10) against two real `hub serve` processes.

Both instances share one database and one Redis, as in production behind a load balancer:
PostgreSQL and a Redis database of these tests' own when HUB_TEST_POSTGRES_URL and
HUB_TEST_REDIS_URL are set (a fresh database `hub_rt_<pid>` is created on that server and
dropped at the end; Redis db 10, or HUB_TEST_REALTIME_REDIS_URL), otherwise one SQLite file
and one embedded Redis. Events are produced through the real action path over HTTP (only the
tests of the bus itself publish to it directly); every delivery is checked against the channel's
Redis stream, which is the source of truth for ids.
No test sleeps to synchronise: they wait for frames or conditions with deadlines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from websockets.exceptions import InvalidStatus

from hub.actions.seed import DEMO_ADMIN, DEMO_PASSWORD
from hub.config import load_settings
from hub.db import make_engine
from hub.events import Event
from hub.plumbing.embedded_redis import EmbeddedRedis
from realtime.bus import EventBus, parse_id, stream_key
from realtime.socket import CLOSE_TOO_SLOW, SEND_BUFFER
from tests.live import HUB, free_port, hub_env, run_hub, scratch_postgres
from tests.wsclient import Socket, Stalled, close_code_in

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "")
SECRET = "realtime-tests-secret-key-0123456789-abcdefghijkl"
THREAD_NETWORK = "elektronska-uprava"  # public; its seeded thread is the tests' thread
PRIVATE = "romska-pitanja"  # visibility "members", nobody in it after seeding


def _with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _redis_url() -> str | None:
    if os.environ.get("HUB_TEST_REALTIME_REDIS_URL"):
        return os.environ["HUB_TEST_REALTIME_REDIS_URL"]
    if os.environ.get("HUB_TEST_REDIS_URL"):  # conftest uses the URL as given: take db 10
        return _with_db(os.environ["HUB_TEST_REDIS_URL"], 10)
    return None


# -- the two instances -------------------------------------------------------------------------


@dataclass
class Instance:
    name: str
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    redis_url: str
    instances: dict[str, Instance] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def start(self, name: str) -> Instance:
        port = self.ports.setdefault(name, free_port())
        url = f"http://127.0.0.1:{port}"
        data_dir = self.root / name
        data_dir.mkdir(exist_ok=True)
        env = {**self.env, "HUB_DATA_DIR": str(data_dir), "HUB_BASE_URL": url}
        log = data_dir / "serve.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [*HUB, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self._wait_until_ready(url, process, log)
        self.instances[name] = Instance(name, url, port, process, log)
        return self.instances[name]

    def _wait_until_ready(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        """Poll /readyz (one client: a new one per poll costs an SSL context each time)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"hub serve exited:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if self.http.get(f"{url}/readyz").status_code == 200:
                    return
            time.sleep(0.1)  # waiting for another process to listen, not synchronising tests
        raise RuntimeError(f"hub serve did not become ready:\n{log.read_text()[-3000:]}")

    def ensure_running(self) -> None:
        for name in ("a", "b"):
            found = self.instances.get(name)
            if found is None or found.process.poll() is not None:
                self.start(name)

    def kill(self, name: str) -> None:
        process = self.instances[name].process
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for instance in self.instances.values():
            if instance.process.poll() is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in self.instances.values():
            try:
                instance.process.wait(30)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()
        self.http.close()

    @property
    def a(self) -> Instance:
        return self.instances["a"]

    @property
    def b(self) -> Instance:
        return self.instances["b"]

    def wait_until_relayed(self) -> None:
        """The seed's events were written by the CLI, which leaves them in the outbox for the
        instances' relay: let them be published before a test starts, not in the middle of one."""

        async def pending() -> int:
            engine = make_engine(load_settings(self.env).database_url)
            try:
                async with engine.connect() as conn:
                    found = await conn.execute(text("SELECT count(*) FROM event_outbox"))
                    return int(found.scalar_one())
            finally:
                await engine.dispose()

        deadline = time.monotonic() + 60
        while asyncio.run(pending()):
            assert time.monotonic() < deadline, "the relay never published the seed's events"
            time.sleep(0.1)  # polling another process's progress, not synchronising tests

    def sign_in(self, local: str) -> None:
        email = DEMO_ADMIN if local == "admin" else f"{local}@demo.skgo.test"
        answer = self.http.post(
            f"{self.a.url}/api/v1/auth/token",
            json={"email": email, "password": DEMO_PASSWORD, "name": "realtime tests"},
        )
        assert answer.status_code == 200, answer.text
        self.tokens[local] = answer.json()["token"]
        self.user_ids[local] = answer.json()["user"]["id"]


@contextlib.contextmanager
def _database(root: Path) -> Iterator[str]:
    if not POSTGRES_URL:
        yield f"sqlite:///{root / 'hub.db'}"  # one file, two processes: SQLite WAL
        return
    with scratch_postgres(POSTGRES_URL, "hub_rt") as url:
        yield url


@pytest.fixture(scope="module")
def cluster_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("realtime")
    with contextlib.ExitStack() as stack:
        redis_url = _redis_url()
        if redis_url is None:
            embedded = EmbeddedRedis(root / "redis", persistent=False)
            redis_url = embedded.start()
            stack.callback(embedded.stop)
        else:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        database_url = stack.enter_context(_database(root))
        env = hub_env(
            root,
            HUB_DATABASE_URL=database_url,
            HUB_REDIS_URL=redis_url,
            HUB_SECRET_KEY=SECRET,
            HUB_ALLOWED_ORIGINS="https://allowed.example",
        )
        for args in (("migrate",), ("seed", "--demo")):
            done = run_hub(*args, env=env)
            assert done.returncode == 0, done.stderr
        cluster = Cluster(root=root, env=env, redis_url=redis_url)
        stack.callback(cluster.stop)
        cluster.start("a")
        cluster.start("b")
        cluster.wait_until_relayed()
        for local in (
            "admin", "milica.ilic", "marko.nikolic", "jelena.petrovic", "ana.jovanovic",
        ):  # fmt: skip
            cluster.sign_in(local)
        yield cluster


@pytest.fixture
def cluster(cluster_once: Cluster) -> Cluster:
    cluster_once.ensure_running()  # a test may have killed an instance
    return cluster_once


# -- producing events through the real action path ---------------------------------------------


@pytest.fixture
async def redis(cluster: Cluster) -> Redis:  # type: ignore[misc]
    client = Redis.from_url(cluster.redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def http() -> httpx.AsyncClient:  # type: ignore[misc]
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        yield client


@pytest.fixture(scope="module")
def thread_id(cluster_once: Cluster) -> int:
    answer = cluster_once.http.get(
        f"{cluster_once.a.url}/api/v1/networks/{THREAD_NETWORK}/threads",
        headers=auth(cluster_once, "milica.ilic"),
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["items"][0]["id"])


def auth(cluster: Cluster, local: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {cluster.tokens[local]}"}


async def post(
    http: httpx.AsyncClient,
    cluster: Cluster,
    via: Instance,
    thread: int,
    n: int,
    *,
    concurrency: int = 1,
    tag: str = "post",
    author: str = "milica.ilic",
) -> list[int]:
    """Write n posts through `via`'s API, `concurrency` at a time; the ids as answered."""
    created: list[int] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            answer = await http.post(
                f"{via.url}/api/v1/threads/{thread}/posts",
                json={"body": f"{tag} {i}"},
                headers=auth(cluster, author),
            )
            assert answer.status_code == 201, answer.text
            created.append(answer.json()["id"])

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return created


async def stream_ids(redis: Redis, channel: str, after: str | None) -> list[str]:
    """The channel's event ids after `after` (exclusive), from the stream itself."""
    entries = await redis.xrange(stream_key(channel), f"({after}" if after else "-", "+")
    return [entry_id for entry_id, _fields in entries]


async def newest(redis: Redis, channel: str) -> str | None:
    entries = await redis.xrevrange(stream_key(channel), "+", "-", count=1)
    return entries[0][0] if entries else None


async def connect(instance: Instance, cluster: Cluster, local: str, name: str = "") -> Socket:
    return await Socket.open(instance.url, cluster.tokens[local], name=name or local)


def id_key(event_id: str) -> tuple[int, int]:
    ms, _, seq = event_id.partition("-")
    return int(ms), int(seq)


def assert_in_order(ids: list[str], expected: list[str], who: str) -> None:
    """Exactly the expected ids, in order: nothing missing, nothing twice, nothing extra."""
    assert len(ids) == len(set(ids)), f"{who}: duplicates"
    assert ids == sorted(ids, key=id_key), f"{who}: out of order"
    missing = sorted(set(expected) - set(ids), key=id_key)
    extra = sorted(set(ids) - set(expected), key=id_key)
    assert not missing and not extra, f"{who}: missing {missing[:5]}, extra {extra[:5]}"
    assert ids == expected


# -- across instances -----------------------------------------------------------------------------


async def test_a_post_through_a_reaches_a_subscriber_on_b(
    cluster: Cluster, http: httpx.AsyncClient, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    reader = await connect(cluster.b, cluster, "marko.nikolic")
    try:
        assert await reader.subscribe(channel) == {
            "type": "subscribed",
            "channel": channel,
            "recovered": True,
        }
        [post_id] = await post(http, cluster, cluster.a, thread_id, 1, tag="hello from A")
        frame = await reader.expect(type="event", channel=channel)
        assert frame["event"] == "post.created"
        data = frame["data"]
        assert data["id"] == post_id and data["thread_id"] == thread_id
        assert data["body"] == "hello from A 0" and "hello from A 0" in data["html"]
        assert data["author"]["id"] == cluster.user_ids["milica.ilic"]
        assert f'id="post-{post_id}"' in data["partial"]  # what a reload shows, ready to insert
    finally:
        await reader.close()


async def test_r1_a_thousand_events_through_b_reach_everyone_in_order(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    start = await newest(redis, channel)
    readers = [
        await connect(instance, cluster, local, f"{local}@{instance.name}")
        for instance in (cluster.a, cluster.b)
        for local in ("marko.nikolic", "jelena.petrovic")
    ]
    try:
        for reader in readers:
            await reader.subscribe(channel)
        created = await post(http, cluster, cluster.b, thread_id, 1000, concurrency=8, tag="r1")
        expected = await stream_ids(redis, channel, start)
        assert len(expected) == 1000
        for reader in readers:
            await reader.wait(lambda r=reader: len(r.events(channel)) >= 1000, timeout=120)
            await reader.ping()  # anything extra would have arrived by now
            assert_in_order(reader.ids(channel), expected, reader.name)
            posted = [f["data"]["id"] for f in reader.events(channel)]
            assert sorted(posted) == sorted(created)
    finally:
        for reader in readers:
            await reader.close()


async def test_r2_a_client_that_reconnects_elsewhere_gets_exactly_what_it_missed(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    first = await connect(cluster.a, cluster, "marko.nikolic")
    await first.subscribe(channel)
    await post(http, cluster, cluster.a, thread_id, 3, tag="r2 seen")
    await first.wait(lambda: len(first.events(channel)) == 3)
    last = first.last_id(channel)
    await first.close()  # the train enters a tunnel

    await post(http, cluster, cluster.a, thread_id, 50, concurrency=4, tag="r2 missed")
    missed = await stream_ids(redis, channel, last)
    assert len(missed) == 50

    again = await connect(cluster.b, cluster, "marko.nikolic")
    try:
        answer = await again.subscribe(channel, since=last)
        assert answer == {"type": "subscribed", "channel": channel, "recovered": True}
        await again.wait(lambda: len(again.events(channel)) >= 50)
        await again.ping()
        assert_in_order(again.ids(channel), missed, "reconnected")
        assert again.frames.index(answer) < again.frames.index(again.events(channel)[0])
    finally:
        await again.close()


async def test_r3_recovery_refused_once_history_is_trimmed_or_flushed(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    live = await connect(cluster.a, cluster, "jelena.petrovic", "live")
    away = await connect(cluster.a, cluster, "marko.nikolic", "away")
    try:
        await live.subscribe(channel)
        await away.subscribe(channel)
        await post(http, cluster, cluster.b, thread_id, 2, tag="r3")
        await away.wait(lambda: len(away.events(channel)) == 2)
        last = away.last_id(channel)
        await away.close()
        await post(http, cluster, cluster.b, thread_id, 3, tag="r3 missed")
        await redis.xtrim(stream_key(channel), maxlen=0, approximate=False)

        back = await connect(cluster.b, cluster, "marko.nikolic", "back")
        answer = await back.subscribe(channel, since=last)
        assert answer == {"type": "subscribed", "channel": channel, "recovered": False}
        await back.ping()
        assert back.events(channel) == []  # nothing half-replayed: the client reloads instead
        await back.close()

        # Redis loses everything: a resume is refused, and live sockets are told to resync
        # as soon as an event shows the jump (R4).
        newest_seen = live.last_id(channel)
        await redis.flushdb()
        back = await connect(cluster.b, cluster, "marko.nikolic", "back again")
        answer = await back.subscribe(channel, since=newest_seen)
        assert answer["recovered"] is False
        await back.close()
        start = len(live.frames)
        [post_id] = await post(http, cluster, cluster.b, thread_id, 1, tag="r3 after flush")
        resync = await live.expect(start, type="subscribed", channel=channel)
        assert resync["recovered"] is False
        event = await live.expect(start, type="event", channel=channel)
        assert event["data"]["id"] == post_id
        assert live.frames.index(resync) < live.frames.index(event)
    finally:
        await live.close()
        await away.close()


async def test_r4_a_lost_doorbell_connection_loses_nothing(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    start = await newest(redis, channel)
    readers = [await connect(i, cluster, "marko.nikolic", i.name) for i in (cluster.a, cluster.b)]
    try:
        for reader in readers:
            await reader.subscribe(channel)
        producer = asyncio.create_task(
            post(http, cluster, cluster.b, thread_id, 80, concurrency=2, tag="r4")
        )
        await readers[0].wait(lambda: len(readers[0].events(channel)) >= 20)
        killed = await kill_pubsub_clients(redis)
        assert killed >= 2  # both instances' doorbell listeners
        await producer
        expected = await stream_ids(redis, channel, start)
        for reader in readers:
            await reader.wait(lambda r=reader: expected[-1] in r.ids(channel), timeout=60)
            await reader.ping()
            assert_in_order(reader.ids(channel), expected, reader.name)
    finally:
        for reader in readers:
            await reader.close()


async def kill_pubsub_clients(redis: Redis) -> int:
    """CLIENT KILL the pub/sub connections on our Redis database only (others may share it)."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    killed = 0
    for client in await redis.client_list(_type="pubsub"):
        if int(client["db"]) == int(db):
            killed += int(await redis.client_kill_filter(_id=client["id"]))
    return killed


async def test_r5_resubscribing_during_a_storm_neither_loses_nor_doubles(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    start = await newest(redis, channel)
    readers = [
        await connect(instance, cluster, local, f"{local}@{instance.name}")
        for instance in (cluster.a, cluster.b)
        for local in ("marko.nikolic", "jelena.petrovic")
    ]
    producer = asyncio.create_task(
        post(http, cluster, cluster.b, thread_id, 200, concurrency=4, tag="r5")
    )

    async def churn(reader: Socket) -> int:
        """Resubscribe from the last id seen, each time at least one new event has arrived."""
        times = 0
        await reader.subscribe(channel)
        while times < 25:
            seen = len(reader.events(channel))
            await reader.wait(
                lambda seen=seen: producer.done() or len(reader.events(channel)) > seen,
                timeout=60,
            )
            if producer.done():
                break
            answer = await reader.subscribe(channel, since=reader.last_id(channel))
            assert answer["type"] == "subscribed" and answer["recovered"] is True
            times += 1
        return times

    try:
        churned = await asyncio.gather(*(churn(reader) for reader in readers))
        await producer
        assert min(churned) >= 5, churned  # the storm did overlap the resubscriptions
        expected = await stream_ids(redis, channel, start)
        assert len(expected) == 200
        for reader in readers:
            await reader.wait(lambda r=reader: expected[-1] in r.ids(channel), timeout=60)
            await reader.ping()
            assert_in_order(reader.ids(channel), expected, reader.name)
    finally:
        producer.cancel()
        with contextlib.suppress(BaseException):
            await producer
        for reader in readers:
            await reader.close()


async def test_r6_kill_9_of_an_instance_mid_stream_loses_nothing(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    start = await newest(redis, channel)
    on_a = [
        await connect(cluster.a, cluster, local) for local in ("marko.nikolic", "jelena.petrovic")
    ]
    on_b = await connect(cluster.b, cluster, "marko.nikolic", "on b")
    resumed: list[Socket] = []
    try:
        for reader in [*on_a, on_b]:
            await reader.subscribe(channel)
        producer = asyncio.create_task(
            post(http, cluster, cluster.b, thread_id, 150, concurrency=2, tag="r6")
        )
        await on_a[0].wait(lambda: len(on_a[0].events(channel)) >= 30)
        cluster.kill("a")
        for reader in on_a:
            await reader.wait(lambda r=reader: r.closed, what="the killed instance's socket to end")
            again = await connect(cluster.b, cluster, reader.name, reader.name + " resumed")
            resumed.append(again)
            answer = await again.subscribe(channel, since=reader.last_id(channel))
            assert answer["recovered"] is True
        await producer
        expected = await stream_ids(redis, channel, start)
        assert len(expected) == 150
        for before, after in zip(on_a, resumed, strict=True):
            await after.wait(lambda a=after: expected[-1] in a.ids(channel), timeout=60)
            await after.ping()
            assert_in_order(before.ids(channel) + after.ids(channel), expected, after.name)
        await on_b.wait(lambda: expected[-1] in on_b.ids(channel), timeout=60)
        assert_in_order(on_b.ids(channel), expected, on_b.name)
    finally:
        for reader in [*on_a, on_b, *resumed]:
            await reader.close()


async def open_sockets(http: httpx.AsyncClient, instance: Instance) -> int:
    text = (await http.get(f"{instance.url}/metrics")).text
    found = re.search(r"^hub_ws_connections (\S+)$", text, re.MULTILINE)
    assert found, "no hub_ws_connections on /metrics"
    return int(float(found.group(1)))


async def wait_for_sockets(http: httpx.AsyncClient, instance: Instance, count: int) -> None:
    for _ in range(300):  # a condition polled, with a bound
        if await open_sockets(http, instance) == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{instance.name} still serves {await open_sockets(http, instance)}")


async def test_r7_a_client_that_stops_reading_is_dropped_and_nobody_else_suffers(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    start = await newest(redis, channel)
    serving = await open_sockets(http, cluster.a)
    stalled = await asyncio.to_thread(Stalled.open, cluster.a.url, cluster.tokens["ana.jovanovic"])
    readers = [await connect(i, cluster, "marko.nikolic", i.name) for i in (cluster.a, cluster.b)]
    try:
        await asyncio.to_thread(stalled.send, {"type": "subscribe", "channel": channel})
        for reader in readers:
            await reader.subscribe(channel)
        # Enough bytes to fill the stalled socket's kernel buffers (up to 4 MiB of send buffer
        # on Linux loopback, net.ipv4.tcp_wmem) and then its send queue on the server.
        big = "r7 " + "x" * 15_000
        await post(http, cluster, cluster.b, thread_id, 150, concurrency=4, tag=big)
        expected = await stream_ids(redis, channel, start)
        for reader in readers:
            await reader.wait(lambda r=reader: expected[-1] in r.ids(channel), timeout=60)
            await reader.ping()
            assert_in_order(reader.ids(channel), expected, reader.name)
        sent = sum(len(json.dumps(f, ensure_ascii=False)) for f in readers[0].events(channel))
        assert sent > SEND_BUFFER + 5 * 2**20, f"only {sent} bytes: too few to fill the buffers"
        # Dropped while it still reads nothing: the instance stops serving it at once (its close
        # frame cannot get through; the close handshake times out on its own later).
        await wait_for_sockets(http, cluster.a, serving + 1)  # the reader on A, not the stalled
        data, ended = await asyncio.to_thread(stalled.drain)
        assert ended, "the stalled client was not dropped"
        code = close_code_in(data)
        assert code in (CLOSE_TOO_SLOW, None), code
    finally:
        stalled.close()
        for reader in readers:
            await reader.close()


# -- who may read what (R8, S3) ----------------------------------------------------------------


async def set_member(
    http: httpx.AsyncClient, cluster: Cluster, via: Instance, local: str, role: str | None
) -> None:
    url = f"{via.url}/api/v1/networks/{PRIVATE}/members/{cluster.user_ids[local]}"
    if role is None:
        answer = await http.delete(url, headers=auth(cluster, "admin"))
        assert answer.status_code == 204, answer.text
    else:
        answer = await http.put(url, json={"role": role}, headers=auth(cluster, "admin"))
        assert answer.status_code == 200, answer.text


async def test_r8_a_removed_member_stops_receiving_at_once_and_outsiders_get_nothing(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    channel = f"network:{PRIVATE}"
    await set_member(http, cluster, cluster.a, "jelena.petrovic", "member")
    member = await connect(cluster.a, cluster, "jelena.petrovic", "member")
    witness = await connect(cluster.a, cluster, "admin", "witness")  # same instance as member
    outsider = await connect(cluster.b, cluster, "ana.jovanovic", "outsider")
    try:
        assert (await member.subscribe(channel))["type"] == "subscribed"
        assert (await witness.subscribe(channel))["type"] == "subscribed"
        refused = await outsider.subscribe(channel)
        assert refused["type"] == "error" and refused["code"] == "not_found"
        assert refused["channel"] == channel

        await set_member(http, cluster, cluster.b, "marko.nikolic", "member")
        joined = await witness.expect(type="event", channel=channel)
        assert joined["data"] == {"user_id": cluster.user_ids["marko.nikolic"], "role": "member"}
        await member.expect(type="event", channel=channel)  # a member reads the network

        start = len(member.frames)
        await set_member(http, cluster, cluster.b, "jelena.petrovic", None)  # through the other
        dropped = await member.expect(start, type="error", channel=channel)
        assert dropped["code"] == "not_found"
        await set_member(http, cluster, cluster.b, "marko.nikolic", None)
        gone = {"user_id": cluster.user_ids["marko.nikolic"], "role": None}
        await witness.wait(
            lambda: any(f["data"] == gone for f in witness.events(channel)), what="marko's removal"
        )
        # The witness on the member's instance has its events, so the member would have too.
        await member.ping()
        await outsider.ping()
        assert [f["type"] for f in member.frames[start:]] == ["error", "pong"]
        assert [f["type"] for f in outsider.frames] == ["error", "pong"]
        again = await member.subscribe(channel)
        assert again["type"] == "error" and again["code"] == "not_found"
    finally:
        for sock in (member, witness, outsider):
            await sock.close()


async def test_r8_a_thread_moved_where_its_reader_may_not_follow_stops_its_events(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    admin = auth(cluster, "admin")
    created = await http.post(
        f"{cluster.a.url}/api/v1/networks/{THREAD_NETWORK}/threads",
        json={"title": "Moving soon", "body": "This thread will move."},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    thread = created.json()["thread"]["id"]
    channel = f"thread:{thread}"
    reader = await connect(cluster.b, cluster, "ana.jovanovic", "reader")  # not in PRIVATE
    witness = await connect(cluster.b, cluster, "admin", "witness")
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        await witness.subscribe(channel)
        moved = await http.post(
            f"{cluster.a.url}/api/v1/threads/{thread}/move",
            json={"network": PRIVATE},
            headers=admin,
        )
        assert moved.status_code < 300, moved.text
        dropped = await reader.expect(type="error", channel=channel)
        assert dropped["code"] == "not_found"
        answer = await http.post(
            f"{cluster.a.url}/api/v1/threads/{thread}/posts",
            json={"body": "now private"},
            headers=admin,
        )
        assert answer.status_code == 201, answer.text
        await witness.wait(
            lambda: any(f["event"] == "post.created" for f in witness.events(channel))
        )
        await reader.ping()
        assert reader.events(channel) == []
    finally:
        await reader.close()
        await witness.close()


async def test_r8_a_network_made_members_only_drops_its_outside_readers(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    slug = "sport"  # visibility "association": every signed-in user reads it; nobody is a member
    channel = f"network:{slug}"
    reader = await connect(cluster.b, cluster, "ana.jovanovic", "reader")
    try:
        assert (await reader.subscribe(channel))["type"] == "subscribed"
        network = (
            await http.get(
                f"{cluster.a.url}/api/v1/networks/{slug}", headers=auth(cluster, "admin")
            )
        ).json()
        async with httpx.AsyncClient(base_url=cluster.a.url, timeout=30) as browser:
            page = await browser.get("/signin")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            form = {"email": DEMO_ADMIN, "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)}
            assert (await browser.post("/signin", data=form)).status_code == 303
            page = await browser.get(f"/admin/networks/{slug}")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            form = {k: network[k] or "" for k in ("name", "name_en", "description", "committee")}
            form |= {"visibility": "members", "csrf_token": csrf.group(1)}
            saved = await browser.post(f"/admin/networks/{slug}", data=form)
            assert saved.status_code == 303, saved.text
        dropped = await reader.expect(type="error", channel=channel)
        assert dropped["code"] == "not_found"
        await reader.ping()
        assert reader.events(channel) == []
    finally:
        await reader.close()


async def test_a_foreign_origin_is_refused_at_the_handshake(cluster: Cluster) -> None:
    token = cluster.tokens["marko.nikolic"]
    with pytest.raises(InvalidStatus) as refused:
        await Socket.open(cluster.a.url, token, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    for origin in (cluster.a.url, "https://allowed.example"):
        sock = await Socket.open(cluster.a.url, token, origin=origin)
        await sock.ping()
        await sock.close()


async def test_malformed_frames_get_an_error_frame_and_the_socket_stays_open(
    cluster: Cluster, thread_id: int
) -> None:
    sock = await connect(cluster.b, cluster, "marko.nikolic")
    bad: list[str | bytes] = [
        "not json",
        "[1, 2, 3]",
        '"a string"',
        '{"no": "type"}',
        '{"type": 5}',
        '{"type": "shout"}',
        '{"type": "subscribe", "channel": "thread:1", "since": "yesterday"}',
        '{"type": "subscribe", "channel": "thread:1", "since": 42}',
        '{"type": "subscribe", "channel": "no-such-kind:1"}',
        '{"type": "subscribe", "channel": ["thread:1"]}',
        f'{{"type": "typing", "channel": "thread:{thread_id}"}}',  # not subscribed
        '{"type": "unsubscribe", "channel": "thread:1"}',  # not subscribed either
        b"\x00\x01binary",
        '{"type": "ping", "pad": "' + "x" * 5000 + '"}',  # over the frame size limit
    ]
    try:
        for frame in bad:
            start = len(sock.frames)
            await sock.send(frame)
            error = await sock.expect(start, type="error")
            assert error["code"] == "bad_request", (frame, error)
            assert error["message"]
        await sock.ping()
        assert not sock.closed
        assert {f["type"] for f in sock.frames} == {"error", "pong"}
        assert (await sock.subscribe(f"thread:{thread_id}"))["type"] == "subscribed"
    finally:
        await sock.close()


# -- typing and presence (R10) ------------------------------------------------------------------


async def test_typing_reaches_the_other_instance_not_the_typist_and_presence_lists_both(
    cluster: Cluster, thread_id: int
) -> None:
    channel = f"thread:{thread_id}"
    typist = await connect(cluster.a, cluster, "milica.ilic", "typist")
    witness = await connect(cluster.a, cluster, "jelena.petrovic", "witness")  # typist's instance
    reader = await connect(cluster.b, cluster, "marko.nikolic", "reader")
    both = {cluster.user_ids["milica.ilic"], cluster.user_ids["marko.nikolic"]}

    def sees_both(sock: Socket) -> bool:
        return any(
            f["type"] == "presence" and both <= {u["id"] for u in f["users"]} for f in sock.frames
        )

    try:
        for sock in (typist, witness, reader):
            await sock.subscribe(channel)
        await reader.wait(lambda: sees_both(reader), what="presence with both readers")
        await typist.wait(lambda: sees_both(typist), what="presence with both readers")
        presence = next(f for f in reversed(reader.frames) if f["type"] == "presence")
        names = {u["id"]: u["name"] for u in presence["users"]}
        assert names[cluster.user_ids["milica.ilic"]] == "Milica Ilić"

        await typist.send({"type": "typing", "channel": channel})
        typing = await reader.expect(type="typing", channel=channel)
        assert typing["user"] == {"id": cluster.user_ids["milica.ilic"], "name": "Milica Ilić"}
        await witness.expect(type="typing", channel=channel)
        await typist.ping()  # the notice reached the typist's instance before this pong
        assert not [f for f in typist.frames if f["type"] == "typing"]

        await reader.close()  # leaving shows too
        gone = cluster.user_ids["marko.nikolic"]
        await typist.wait(
            lambda: (
                (p := [f for f in typist.frames if f["type"] == "presence"])
                and gone not in {u["id"] for u in p[-1]["users"]}
            ),
            what="presence without the reader who left",
        )
    finally:
        for sock in (typist, witness, reader):
            await sock.close()


# -- the bus itself ------------------------------------------------------------------------------


def _other_database(url: str) -> str:
    """The same Redis server, another database number (a second hub sharing the server)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return urlunsplit(parts._replace(query="db=1"))
    return _with_db(url, (int(parts.path.strip("/") or 0) + 1) % 16)


async def test_events_without_an_outbox_row_are_each_published(
    cluster: Cluster, redis: Redis
) -> None:
    """Tools publish straight to the bus; each event is its own, however Python reuses memory."""
    me = cluster.user_ids["marko.nikolic"]
    channel = f"user:{me}"
    reader = await connect(cluster.b, cluster, "marko.nikolic")
    try:
        await reader.subscribe(channel)
        bus = EventBus(redis)
        ids = []
        for n in range(3):  # one list per call: each Event is freed before the next is made
            data = {"user_id": me, "role": f"r{n}"}
            ids += await bus.publish([Event(channel=channel, type="membership.changed", data=data)])
        assert None not in ids
        await reader.wait(lambda: len(reader.events(channel)) == 3)
        assert [f["data"]["role"] for f in reader.events(channel)] == ["r0", "r1", "r2"]
    finally:
        await reader.close()


async def test_a_changes_events_go_in_one_round_trip_even_after_a_script_flush(
    cluster: Cluster, redis: Redis
) -> None:
    """A change's events are one pipeline of the publishing script by its digest: no SCRIPT
    EXISTS before it, and a server that lost its scripts gets the script and the pipeline
    again, each event published once."""
    bus = EventBus(redis)
    channel = f"user:{cluster.user_ids['marko.nikolic']}"

    def change(n: int) -> list[Event]:
        return [
            Event(channel=channel, type="membership.changed", data={"n": n, "k": k}, uid=f"u{n}{k}")
            for k in range(2)
        ]

    async def script_commands() -> int:  # "cmdstat_script" (Redis 6), "cmdstat_script|exists"
        stats = await redis.info("commandstats")
        return sum(int(v["calls"]) for k, v in stats.items() if k.startswith("cmdstat_script"))

    await redis.script_flush()
    first = await bus.publish(change(1))
    assert None not in first and parse_id(first[0] or "") < parse_id(first[1] or "")
    before = await script_commands()
    second = await bus.publish(change(2))
    assert await script_commands() == before  # the second change: no SCRIPT command at all
    assert None not in second
    assert await bus.publish(change(1)) == [None, None]  # published once, whoever tries
    recovered, events = await bus.history(channel, first[0] or "")
    assert recovered
    assert [(e.data["n"], e.data["k"]) for e in events] == [(1, 1), (2, 0), (2, 1)]


async def test_a_hub_on_another_redis_database_is_not_heard(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis, thread_id: int
) -> None:
    """Pub/sub is server-wide, keys are per database: two hubs sharing a Redis server on
    different database numbers must not deliver each other's events."""
    channel = f"thread:{thread_id}"
    reader = await connect(cluster.a, cluster, "marko.nikolic")
    other = Redis.from_url(_other_database(cluster.redis_url), decode_responses=True)
    try:
        await reader.subscribe(channel)
        foreign = Event(channel=channel, type="thread.updated", data={"id": thread_id})
        assert (await EventBus(other).publish([foreign]))[0] is not None
        [post_id] = await post(http, cluster, cluster.b, thread_id, 1, tag="ours")
        # Redis delivers pub/sub messages in order: the foreign one would have come first.
        await reader.wait(lambda: any(f["data"]["id"] == post_id for f in reader.events(channel)))
        assert [f["event"] for f in reader.events(channel)] == ["post.created"]
    finally:
        await reader.close()
        await other.delete(stream_key(channel), f"hub:rt:last:{channel}")
        await other.aclose()
