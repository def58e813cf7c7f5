"""INSERT … ON CONFLICT for SQLite and PostgreSQL, so the database settles duplicates.

Two requests that both find no row and both insert one race; a unique key plus an upsert lets
the database decide, where a check-then-insert fails the loser with an IntegrityError. Savepoints
are no way out on SQLite: pysqlite starts no transaction for them, so releasing one would commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def row_values(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with the model's own defaults (created_at and the like) filled in: a Core INSERT
    does not run the model's default factories."""
    row = model(**values)
    columns = model.__table__.columns  # type: ignore[attr-defined]
    filled = {c.key: getattr(row, c.key) for c in columns}
    return {k: v for k, v in filled.items() if not (v is None and columns[k].primary_key)}


def insert_for(db: AsyncSession, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """The INSERT construct of the session's dialect, which has on_conflict_do_*."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def insert_ignore(
    db: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any],
    conflict: Sequence[str] | None,
) -> int | None:
    """Insert one row unless it would break the unique key on `conflict` (None: any unique key);
    the new row's id, or None when a row was already there (or came first in a race)."""
    statement: Insert = (
        insert_for(db, model)
        .values(**row_values(model, values))
        .on_conflict_do_nothing(index_elements=list(conflict) if conflict else None)
        .returning(model.id)  # type: ignore[attr-defined]
    )
    row = (await db.exec(statement)).first()
    return None if row is None else int(row[0])


async def insert_ignore_many(
    db: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    conflict: Sequence[str],
    returning: str,
) -> list[Any]:
    """`insert_ignore` for many rows in one statement; `returning` of the rows it made (those
    already there, or that came first in a race, are left out)."""
    if not rows:
        return []
    statement: Insert = (
        insert_for(db, model)
        .values([row_values(model, values) for values in rows])
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(getattr(model, returning))
    )
    return [row[0] for row in (await db.exec(statement)).all()]


async def upsert(
    db: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any],
    conflict: Sequence[str],
    set_: Mapping[str, Any],
) -> int:
    """Insert one row, or update the row that has the same `conflict` key with `set_` (whose
    expressions may read the proposed row as `excluded(model).column`); the row's id."""
    statement = (
        insert_for(db, model)
        .values(**row_values(model, values))
        .on_conflict_do_update(index_elements=list(conflict), set_=dict(set_))
        .returning(model.id)  # type: ignore[attr-defined]
    )
    row = (await db.exec(statement)).one()
    return int(row[0])


def excluded(
    db: AsyncSession, model: type[SQLModel]
) -> ReadOnlyColumnCollection[str, KeyedColumnElement[Any]]:
    """The row an upsert proposed, for the `set_` of `upsert` (the same name on both dialects)."""
    return insert_for(db, model).excluded
