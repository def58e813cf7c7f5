"""hub.sqlite_driver: SQLite statements through aiosqlite in one trip to its thread each, with
the answers, errors and transactions of SQLAlchemy's own adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, exc, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub import sqlite_driver
from hub.db import make_engine

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with made.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield made
    await made.dispose()


def trips(raw: Any) -> list[str]:
    """Count the functions the connection runs on its thread from now on."""
    counted: list[str] = []
    run = raw._execute

    async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        counted.append(getattr(fn, "__name__", repr(fn)))
        return await run(fn, *args, **kwargs)

    raw._execute = counting
    return counted


async def test_the_engine_uses_it_for_aiosqlite_urls(engine: AsyncEngine) -> None:
    assert isinstance(engine.dialect.loaded_dbapi, sqlite_driver.OneTripDBAPI)
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        counted = trips(raw)
        rows = (await conn.execute(text("SELECT 1, 'a' UNION ALL SELECT 2, 'b'"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")]
        assert len(counted) == 1  # SQLAlchemy's adapter: cursor, execute, fetchall, close


async def test_writes_answer_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        made = await conn.execute(insert(things).values(name="prvi"))
        assert made.inserted_primary_key == (1,)
        returned = await conn.execute(insert(things).values(name="drugi").returning(things.c.id))
        assert returned.scalar_one() == 2
        many = await conn.execute(insert(things), [{"name": "treći"}, {"name": "četvrti"}])
        assert many.rowcount == 2
        changed = await conn.execute(text("UPDATE things SET name = name || '!' WHERE id > 2"))
        assert changed.rowcount == 2
    async with engine.connect() as conn:
        names = (await conn.execute(select(things.c.name).order_by(things.c.id))).scalars()
        assert list(names) == ["prvi", "drugi", "treći!", "četvrti!"]


async def test_errors_and_rollback_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(things).values(name="jedan"))
    with pytest.raises(exc.IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(name="dva"))
            await conn.execute(insert(things).values(name="jedan"))  # unique: refused
    with pytest.raises(exc.OperationalError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))
    async with engine.connect() as conn:
        names = (await conn.execute(select(things.c.name))).scalars()
        assert list(names) == ["jedan"]  # "dva" went with its transaction
