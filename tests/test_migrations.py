"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

Each test works on a database of its own, made empty here (a new SQLite file, or a PostgreSQL
database created and dropped around the test), so the shared, already migrated test database
is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

import hub.models  # noqa: F401  (registers every table)
from hub.config import load_settings
from hub.db import make_engine
from hub.plumbing.migrate import alembic_config, head_revision, include_name
from hub.web.app import OutdatedSchema, create_app
from tests.conftest import POSTGRES_URL

BACKENDS = ["sqlite", "postgres"]


@contextlib.asynccontextmanager
async def scratch_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """An empty database of the test's own; yields its SQLAlchemy URL (async driver)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'scratch.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    server = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"hub_scratch_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(
                hide_password=False
            )
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=BACKENDS)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with scratch_database(request.param, tmp_path) as url:
        yield url


def _alembic(verb: str, url: str, revision: str) -> None:
    # env.py runs its own event loop, so each alembic command runs in a worker thread.
    getattr(command, verb)(alembic_config(url), revision)


async def alembic(verb: str, url: str, revision: str) -> None:
    await asyncio.to_thread(_alembic, verb, url, revision)


async def inspect_schema(url: str) -> tuple[set[str], list[Any], str | None]:
    """(every table name, differences between the models and the schema, current revision)."""

    def look(connection: Connection) -> tuple[set[str], list[Any], str | None]:
        # The same options as migrations/env.py, so this is what `alembic check` would see.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=opts)
        tables = set(inspect(connection).get_table_names())
        return tables, compare_metadata(context, SQLModel.metadata), context.get_current_revision()

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(look)
    finally:
        await engine.dispose()


MODEL_TABLES = set(SQLModel.metadata.tables)


def modelled(tables: set[str]) -> set[str]:
    return {t for t in tables if include_name(t, "table", {})}


async def test_upgrade_builds_every_table_and_matches_the_models(empty_url: str) -> None:
    tables, _, revision = await inspect_schema(empty_url)
    assert tables == set() and revision is None

    await alembic("upgrade", empty_url, "head")

    tables, differences, revision = await inspect_schema(empty_url)
    assert modelled(tables) == MODEL_TABLES | {"alembic_version"}
    assert differences == []
    assert revision == head_revision()


async def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    await alembic("upgrade", empty_url, "head")
    await alembic("downgrade", empty_url, "base")

    tables, _, revision = await inspect_schema(empty_url)
    assert tables <= {"alembic_version"}  # nothing left behind, hand-made tables included
    assert revision is None

    await alembic("upgrade", empty_url, "head")
    tables, differences, revision = await inspect_schema(empty_url)
    assert modelled(tables) == MODEL_TABLES | {"alembic_version"}
    assert differences == []
    assert revision == head_revision()


async def test_app_refuses_to_start_on_an_unmigrated_database(
    empty_url: str, redis_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        {"HUB_DATA_DIR": str(tmp_path / "data"), "HUB_SECRET_KEY": "k" * 40}
    ).with_(database_url=empty_url, redis_url=redis_url, run_worker=False)
    app = create_app(settings)
    with pytest.raises(OutdatedSchema, match="hub migrate"):
        async with app.router.lifespan_context(app):
            pass
