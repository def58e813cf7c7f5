"""Fixtures: real Redis, real databases (SQLite always, PostgreSQL with HUB_TEST_POSTGRES_URL).

Each test gets an empty, migrated database (tables truncated between tests) and an empty Redis
database. Tests go through the real app with httpx's ASGI transport, or a real server process.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import hub.models  # noqa: F401
from hub.actions.context import act
from hub.auth import configure_hasher
from hub.config import Settings, load_settings
from hub.db import make_engine
from hub.plumbing.embedded_redis import EmbeddedRedis
from hub.plumbing.migrate import upgrade
from hub.plumbing.runtime import Runtime, open_runtime
from hub.web.app import create_app

PASSWORD = "correct horse battery"


def _own_services_per_xdist_worker() -> None:
    """Under pytest-xdist (`make test` runs one worker per core), each worker gets its own
    PostgreSQL database (`<name>_gwN`, made if missing) and its own Redis database numbers,
    so workers never truncate or flush each other's data. Pub/sub is per database number too
    (realtime.bus.pubsub_channel). Run before any test module reads the variables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    n = int(worker[2:])
    if redis_url := os.environ.get("HUB_TEST_REDIS_URL"):
        base = urlsplit(redis_url)
        if n > 4:  # three numbers each of Redis's 16: the tests', realtime's, "another hub's"
            raise pytest.UsageError("at most 5 xdist workers share HUB_TEST_REDIS_URL's server")
        first = int(base.path.strip("/") or 0) + 3 * n
        os.environ["HUB_TEST_REDIS_URL"] = urlunsplit(base._replace(path=f"/{first % 16}"))
        realtime = base._replace(path=f"/{(first + 1) % 16}")
        os.environ["HUB_TEST_REALTIME_REDIS_URL"] = urlunsplit(realtime)
    if postgres_url := os.environ.get("HUB_TEST_POSTGRES_URL"):
        server = make_url(postgres_url).set(drivername="postgresql")
        name = f"{server.database}_{worker}"
        _create_database_if_missing(server.render_as_string(hide_password=False), name)
        os.environ["HUB_TEST_POSTGRES_URL"] = server.set(database=name).render_as_string(
            hide_password=False
        )


def _create_database_if_missing(url: str, name: str) -> None:
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(url)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # made meanwhile
                    await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())


_own_services_per_xdist_worker()

# Argon2 at production cost takes ~50 ms a hash; the suite makes hundreds. Same code, cheaper cost.
configure_hasher(time_cost=1, memory_cost=1024, parallelism=1)
POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("HUB_TEST_REDIS_URL", "")
BACKENDS = ["sqlite", "postgres"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="HUB_TEST_POSTGRES_URL is not set")
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("database_url") == "postgres" and not POSTGRES_URL:
            item.add_marker(skip_pg)


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hub-tests-") as root:
        yield Path(root)


@pytest.fixture(scope="session")
def redis_url(tmp_root: Path) -> Iterator[str]:
    """HUB_TEST_REDIS_URL (a database number of the tests' own) or an embedded Redis."""
    if REDIS_URL:
        yield REDIS_URL
        return
    server = EmbeddedRedis(tmp_root / "redis", persistent=False)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _postgres_reset(url: str) -> None:
    import asyncio

    async def reset() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())


@pytest.fixture(scope="session")
def migrated_urls(tmp_root: Path) -> dict[str, str]:
    """Each backend migrated once from empty; tests then truncate instead of re-migrating."""
    urls = {"sqlite": f"sqlite+aiosqlite:///{tmp_root / 'test.db'}"}
    if POSTGRES_URL:
        urls["postgres"] = load_settings(
            {
                "HUB_DATABASE_URL": POSTGRES_URL,
                "HUB_SECRET_KEY": "x" * 40,
                "HUB_DATA_DIR": str(tmp_root),
            }
        ).database_url
    return urls


_migrated: set[str] = set()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, migrated_urls: dict[str, str]) -> str:
    backend = request.param
    if backend not in migrated_urls:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    url = migrated_urls[backend]
    if url not in _migrated:
        if backend == "postgres":
            _postgres_reset(url)
        upgrade(url)
        _migrated.add(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_url: str) -> Settings:
    env = {
        "HUB_DATA_DIR": str(tmp_path / "data"),
        "HUB_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "HUB_BASE_URL": "http://testserver",
        "HUB_LOG_FORMAT": "text",
        "HUB_POSTS_PER_MINUTE": "0",  # tests/test_board_actions.py tests the limit itself
    }
    return load_settings(env).with_(
        database_url=database_url, redis_url=redis_url, run_worker=False
    )


async def _truncate(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with runtime.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in [*tables, "search_fts"]:
                await conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(settings) as rt:
        await rt.redis.flushdb()
        await _truncate(rt)
        yield rt
        await rt.redis.flushdb()


@pytest.fixture
async def app(settings: Settings, runtime: Runtime) -> Any:
    return create_app(settings, runtime=runtime)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def seeded(runtime: Runtime) -> Runtime:
    """The association's committees, networks and local governments."""
    from hub.actions.seed import do_seed

    async with act(runtime, system=True) as ctx:
        await do_seed(ctx)
    return runtime


async def make_user(
    runtime: Runtime,
    email: str,
    *,
    name: str | None = None,
    admin: bool = False,
    password: str = PASSWORD,
    municipality: str | None = None,
    networks: dict[str, str] | None = None,
    committees: dict[str, str] | None = None,
) -> int:
    """Create a user through the actions, with memberships; returns the user id."""
    from hub.actions.accounts import do_create_user
    from hub.actions.bodies import do_set_committee_member, do_set_network_member

    async with act(runtime, system=True) as ctx:
        user, _ = await do_create_user(
            ctx,
            email=email,
            name=name or email.split("@")[0].replace(".", " ").title(),
            password=password,
            is_admin=admin,
            municipality=municipality,
        )
        assert user.id is not None
        for slug, role in (networks or {}).items():
            await do_set_network_member(ctx, slug, user.id, role=role)
        for slug, role in (committees or {}).items():
            await do_set_committee_member(ctx, slug, user.id, role=role)
        return user.id


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_of(client: httpx.AsyncClient, path: str = "/signin") -> str:
    """The CSRF token a page served to this client (as a browser would read it from the form)."""
    response = await client.get(path)
    found = _CSRF.search(response.text)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    token = await csrf_of(client)
    response = await client.post(
        "/signin", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return response


async def api_token(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
