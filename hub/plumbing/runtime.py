"""The shared resources of one process: settings, database engine, Redis, job queue, publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.config import Settings
from hub.db import make_engine, make_sessionmaker
from hub.events import Event, Publisher, discard
from realtime.bus import EventBus


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    publisher: Publisher = discard
    # An arq pool where jobs can be queued; None where no queue is reachable.
    jobs: ArqRedis | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def queue(self) -> ArqRedis:
        """The job queue, in a process that has one (a worker's runtime always does)."""
        if self.jobs is None:
            raise RuntimeError("no job queue here: the runtime was opened with_jobs=False")
        return self.jobs

    @property
    def autocommit_engine(self) -> AsyncEngine:
        """The engine without transactions on PostgreSQL (each statement stands alone: one
        round trip, no BEGIN and COMMIT around it); the engine itself on SQLite."""
        engine: AsyncEngine | None = self.extras.get("autocommit_engine")
        if engine is None:
            engine = self.engine
            if engine.dialect.name == "postgresql":
                engine = engine.execution_options(isolation_level="AUTOCOMMIT")
            self.extras["autocommit_engine"] = engine
        return engine

    @property
    def live_sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on a small pool of their own, for what live updates read before they go out
        (realtime partials): a burst of writes that has taken every pooled connection, each
        waiting its turn at SQLite's write lock, must not hold back the delivery of events to
        every open socket. Reads never wait for that lock (WAL). An in-memory SQLite database
        is one connection's own, so there the shared pool serves."""
        made: async_sessionmaker[AsyncSession] | None = self.extras.get("live_sessions")
        if made is None:
            url = self.settings.database_url
            if url.startswith("sqlite") and (":memory:" in url or "mode=memory" in url):
                made = self.sessionmaker
            else:
                engine = make_engine(url, pool_size=2, max_overflow=2)
                self.extras["live_engine"] = engine
                made = make_sessionmaker(engine)
            self.extras["live_sessions"] = made
        return made

    async def close(self) -> None:
        # Work that must finish first (hub.actions.vote_live: the live tallies still waiting).
        for finish in self.extras.pop("before_close", {}).values():
            await finish(self)
        if self.jobs is not None:
            await self.jobs.aclose()
        await self.redis.aclose()
        if (live := self.extras.pop("live_engine", None)) is not None:
            await live.dispose()
        await self.engine.dispose()


def bus_publisher(runtime: Runtime) -> Publisher:
    """A publisher straight onto the event bus in the runtime's Redis: what `hub worker` installs
    (its jobs announce what they change at once) and what the outbox relay publishes with. The
    web app installs the real-time service's own (hub.web.app)."""
    bus = EventBus(runtime.redis)

    async def publish(events: Sequence[Event]) -> None:
        await bus.publish(events)

    return publish


def redis_client(url: str) -> Redis:
    client: Redis = Redis.from_url(url, decode_responses=True, health_check_interval=30)
    return client


def arq_settings(url: str) -> RedisSettings:
    if url.startswith("unix://"):
        return RedisSettings(unix_socket_path=url[len("unix://") :].split("?")[0])
    return RedisSettings.from_dsn(url)


@asynccontextmanager
async def open_runtime(settings: Settings, *, with_jobs: bool = True) -> AsyncIterator[Runtime]:
    """Open every shared resource for `settings` (whose redis_url must be set by now)."""
    if settings.redis_url is None:
        raise RuntimeError("open_runtime needs a Redis URL; start the embedded Redis first")
    engine = make_engine(settings.database_url)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        redis=redis_client(settings.redis_url),
    )
    if with_jobs:
        runtime.jobs = await create_pool(arq_settings(settings.redis_url))
    try:
        yield runtime
    finally:
        await runtime.close()
