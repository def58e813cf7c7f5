"""Engine and session factory: SQLite (aiosqlite, WAL, foreign keys on) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypeVarTuple, overload

from sqlalchemy import event
from sqlalchemy.engine import Dialect, Result
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    _common_pragmas(cursor)
    cursor.close()


def _sqlite_pragmas_for_migrations(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    # Alembic's batch mode rebuilds tables (copy, drop, rename); with foreign keys enforced,
    # dropping a table that others reference fails, so migrations run with them off.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=OFF")
    _common_pragmas(cursor)
    cursor.close()


def _common_pragmas(cursor: Any) -> None:
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")


def make_engine(url: str, *, for_migrations: bool = False, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        pragmas = _sqlite_pragmas_for_migrations if for_migrations else _sqlite_pragmas
        event.listen(engine.sync_engine, "connect", pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


_Row = TypeVarTuple("_Row")
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


@overload
async def execute(
    db: AsyncSession, statement: TypedReturnsRows[*_Row], params: Params = None
) -> Result[*_Row]: ...
@overload
async def execute(
    db: AsyncSession, statement: Executable, params: Params = None
) -> Result[*tuple[Any, ...]]: ...
async def execute(
    db: AsyncSession, statement: Executable, params: Params = None
) -> Result[*tuple[Any, ...]]:
    """`db.exec` for a statement its overloads leave out (`text()`, a UNION): it runs any
    statement, but is typed for select, insert, update and delete only. Typed as SQLAlchemy's
    own `execute`, which SQLModel's `db.execute` is (with a deprecation warning)."""
    result: Result[*tuple[Any, ...]] = await db.exec(statement, params=params)  # type: ignore[call-overload]
    return result
