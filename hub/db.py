"""Engine and session factory: SQLite (aiosqlite, WAL, foreign keys on; hub.sqlite_driver) or
PostgreSQL (asyncpg)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVarTuple, overload

from sqlalchemy import event, exc
from sqlalchemy.engine import Dialect, Result
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession

from hub import sqlite_driver


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


# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def make_engine(
    url: str,
    *,
    for_migrations: bool = False,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
    **kwargs: Any,
) -> AsyncEngine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite+aiosqlite:"):  # one thread trip per statement, not four
            kwargs.setdefault("module", sqlite_driver.dbapi())
        engine = create_async_engine(url, **kwargs)
        pragmas = _sqlite_pragmas_for_migrations if for_migrations else _sqlite_pragmas
        event.listen(engine.sync_engine, "connect", pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: AsyncEngine, after: float) -> None:
    """Ping a pooled connection before handing it out only when it has been idle `after`
    seconds (SQLAlchemy's pool_pre_ping pings at every checkout: on asyncpg that is BEGIN, a
    query and ROLLBACK, three round trips per checkout, most of a small request's).

    What drops a connection (a restarted server, an idle timeout, a firewall forgetting it)
    finds it idle, and a dead one is replaced before anyone uses it. One that dies while in
    steady use fails its request, and that error (a disconnect) makes the pool discard every
    connection made before it, so the requests after it get new ones.
    """
    dialect = engine.sync_engine.dialect

    def checkin(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < after:
            return  # just made, or back from a request a moment ago
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as error:  # the pool discards it and tries another
            raise exc.DisconnectionError("the pooled connection is gone") from error

    event.listen(engine.sync_engine, "checkin", checkin)
    event.listen(engine.sync_engine, "checkout", checkout)


_BEGUN = "hub.begun"


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_BEGUN] = True


def has_begun(db: AsyncSession) -> bool:
    """Whether the session has used the database yet (a connection taken, a transaction begun)
    since it was made: until then, nothing it would commit exists."""
    return bool(db.sync_session.info.get(_BEGUN))


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
