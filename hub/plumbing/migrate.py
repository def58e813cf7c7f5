"""Schema migrations with Alembic: upgrade to head, and tell whether a database is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent  # alembic.ini and migrations/ ship in `hub`


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


# Made by hand in migration 0002, with no model: the full-text index (an FTS5 table and the
# shadow tables FTS5 keeps beside it on SQLite, a GIN index on PostgreSQL). Autogenerate, and
# the tests comparing the models with a migrated schema, leave these names out.
UNMODELLED_PREFIXES = ("search_fts", "ix_search_documents_fts")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name` hook: False for the objects that have no model."""
    return not (name or "").startswith(UNMODELLED_PREFIXES)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def upgrade(database_url: str) -> None:
    """Upgrade the database to the latest schema (runs its own event loop: call from sync code)."""
    command.upgrade(alembic_config(database_url), "head")


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def is_current(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()
