"""INSERT … ON CONFLICT for SQLite and PostgreSQL, so the database settles duplicates.

Two requests that both find no row and both insert one race; a unique key plus an upsert lets
the database decide, where a check-then-insert fails the loser with an IntegrityError. Savepoints
are no way out on SQLite: pysqlite starts no transaction for them, so releasing one would commit.

The statements are Core statements on the model's table, built once per dialect and shape and
run with the row as parameters: building an ORM-enabled INSERT and its cache key for every row
cost more than running it (docs/performance.md, "Writing a post").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.db import execute

_Defaults = tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...], frozenset[str]]


@functools.cache
def _defaults(model: type[SQLModel]) -> _Defaults:
    """The model's column defaults: fixed values, factories, and the primary key's columns."""
    columns = _table(model).columns
    fixed: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, field in model.model_fields.items():
        if name not in columns:
            continue
        if field.default_factory is not None:
            factories.append((name, field.default_factory))  # type: ignore[arg-type]
        elif field.default is not PydanticUndefined:
            fixed[name] = field.default
    keys = frozenset(c.key for c in columns if c.primary_key)
    return fixed, tuple(factories), keys


def row_values(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with the model's own defaults (created_at and the like) filled in, as the
    model's constructor would fill them: a Core INSERT does not run its default factories. A
    primary key left None is left out, for the database to number."""
    fixed, factories, keys = _defaults(model)
    row = dict(fixed)
    for name, make in factories:
        if name not in values:
            row[name] = make()
    row.update(values)
    for key in keys:
        if row.get(key, 0) is None:
            del row[key]
    return row


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _dialect(db: AsyncSession) -> str:
    return "postgresql" if db.get_bind().dialect.name == "postgresql" else "sqlite"


def _insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_for(db: AsyncSession, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """The INSERT construct of the session's dialect, which has on_conflict_do_*."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


@functools.lru_cache(maxsize=256)
def _ignoring(
    dialect: str, table: Table, conflict: tuple[str, ...] | None, returning: str
) -> ReturningInsert[Any]:
    return (
        _insert(dialect, table)
        .on_conflict_do_nothing(index_elements=list(conflict) if conflict else None)
        .returning(table.c[returning])
    )


@functools.lru_cache(maxsize=64)
def _replacing(
    dialect: str, table: Table, conflict: tuple[str, ...], replace: tuple[str, ...]
) -> ReturningInsert[Any]:
    statement = _insert(dialect, table)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=list(conflict), set_={c: new[c] for c in replace}
    ).returning(table.c.id)


async def insert_ignore(
    db: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any],
    conflict: Sequence[str] | None,
) -> int | None:
    """Insert one row unless it would break the unique key on `conflict` (None: any unique key);
    the new row's id, or None when a row was already there (or came first in a race)."""
    key = tuple(conflict) if conflict else None
    statement = _ignoring(_dialect(db), _table(model), key, "id")
    row = (await execute(db, statement, row_values(model, values))).first()
    return None if row is None else int(row[0])


async def insert_ignore_many(
    db: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    conflict: Sequence[str],
    returning: str,
) -> list[Any]:
    """`insert_ignore` for many rows in one statement; `returning` of the rows it made (those
    already there, or that came first in a race, are left out). The rows have the same keys."""
    if not rows:
        return []
    statement = _ignoring(_dialect(db), _table(model), tuple(conflict), returning)
    params = [row_values(model, values) for values in rows]
    result = await execute(db, statement, params[0] if len(params) == 1 else params)
    return [row[0] for row in result.all()]


async def upsert(
    db: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any],
    conflict: Sequence[str],
    replace: Sequence[str],
) -> int:
    """Insert one row, or give the row that has the same `conflict` key the `replace` columns
    of the proposed one; the row's id."""
    statement = _replacing(_dialect(db), _table(model), tuple(conflict), tuple(replace))
    row = (await execute(db, statement, row_values(model, values))).one()
    return int(row[0])


def excluded(
    db: AsyncSession, model: type[SQLModel]
) -> ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]:
    """The row an ON CONFLICT DO UPDATE proposed (the same name on both dialects)."""
    return insert_for(db, model).excluded
