"""The `hub` command, run as the installed console script against a database of the test's own.

Bad input of every kind ends with exit status 2, one line on stderr naming the problem, and
nothing written: no row, and for a configuration error not even a file in HUB_DATA_DIR.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from hub.actions.seed import DEMO_ADMIN, DEMO_PASSWORD
from hub.auth import verify_password
from hub.config import load_settings
from hub.db import make_engine
from hub.models import User
from tests.test_migrations import BACKENDS, inspect_schema, scratch_database

_SCRIPT = Path(sys.executable).with_name("hub")
HUB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "hub.cli"]


def hub_env(data_dir: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, "HUB_DATA_DIR": str(data_dir), "HUB_LOG_FORMAT": "text", **variables}


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HUB, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def assert_refused(done: subprocess.CompletedProcess[str], *naming: str) -> str:
    """Exit status 2 and exactly one line on stderr, which names the problem."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hub: error: ")
    for word in naming:
        assert word in lines[0]
    return lines[0]


@dataclass
class Hub:
    """The `hub` command pointed at one empty database and data directory."""

    url: str  # as the hub uses it (async driver)
    env: dict[str, str]
    cwd: Path

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run(*args, env=self.env, cwd=self.cwd)

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return done

    async def counts(self) -> dict[str, int]:
        """Rows per table."""
        engine = make_engine(self.url)
        try:
            async with engine.connect() as conn:
                return {
                    table.name: (
                        await conn.execute(select(func.count()).select_from(table))
                    ).scalar_one()
                    for table in SQLModel.metadata.sorted_tables
                }
        finally:
            await engine.dispose()

    async def users(self) -> list[tuple[str, str, bool]]:
        engine = make_engine(self.url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    select(User.email, User.password_hash, User.is_admin).order_by(User.email)  # type: ignore[call-overload]
                )
                return [tuple(r) for r in rows.all()]
        finally:
            await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Hub]:
    async with scratch_database(request.param, tmp_path) as url:
        # Given in the plain form people paste; the hub maps it to its async driver.
        plain = url.replace("+aiosqlite", "").replace("+asyncpg", "")
        env = hub_env(tmp_path / "data", HUB_DATABASE_URL=plain)
        assert load_settings(env | {"HUB_SECRET_KEY": "k" * 32}).database_url == url
        yield Hub(url=url, env=env, cwd=tmp_path)


# --- Bad input before any database is touched -------------------------------------------------

# (arguments, environment, words the error must contain)
USAGE_ERRORS = {
    "unknown command": (["frobnicate"], {}, ["frobnicate"]),
    "no command": ([], {}, ["command"]),
    "missing --name": (["user", "add", "ana@example.org"], {}, ["--name"]),
    "port out of range": (["serve", "--port", "70000"], {}, ["--port", "70000"]),
    "port not a number": (["serve", "--port", "eighty"], {}, ["--port", "eighty"]),
    "database scheme": (["migrate"], {"HUB_DATABASE_URL": "mysql://db/hub"}, ["HUB_DATABASE_URL"]),
    "short secret key": (["migrate"], {"HUB_SECRET_KEY": "short"}, ["HUB_SECRET_KEY"]),
    "bad number": (["seed"], {"HUB_SESSION_IDLE_MINUTES": "soon"}, ["HUB_SESSION_IDLE_MINUTES"]),
    "bad redis url": (["serve"], {"HUB_REDIS_URL": "http://x"}, ["HUB_REDIS_URL"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
async def test_bad_usage_and_configuration_write_nothing(tmp_path: Path, case: str) -> None:
    args, variables, naming = USAGE_ERRORS[case]
    done = run(*args, env=hub_env(tmp_path / "data", **variables), cwd=tmp_path)
    assert_refused(done, *naming)
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no data dir, not even the generated secret key


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:1/nothing",  # nothing listens on port 1
        "sqlite:////nonexistent-directory/hub.db",
    ],
)
async def test_an_unreachable_database_is_one_line(tmp_path: Path, url: str) -> None:
    done = run("migrate", env=hub_env(tmp_path / "data", HUB_DATABASE_URL=url), cwd=tmp_path)
    assert_refused(done, "cannot reach the database")


# --- Bad input to `hub user add` ------------------------------------------------------------

USER_ERRORS = {
    "invalid e-mail": (["not-an-address", "--name", "Ana"], ["email", "not a valid e-mail"]),
    "short password": (
        ["ana@example.org", "--name", "Ana", "--password", "short"],
        ["password", "at least 10"],
    ),
    "unknown municipality": (
        ["ana@example.org", "--name", "Ana", "--municipality", "atlantis"],
        ["municipality", "Unknown local government"],
    ),
    "duplicate e-mail": (["Taken@Example.org", "--name", "Someone"], ["email", "already exists"]),
    "empty name": (["ana@example.org", "--name", "  "], ["name"]),
}


async def test_bad_user_input_adds_nobody(hub: Hub) -> None:
    hub.ok("migrate")
    hub.ok("user", "add", "taken@example.org", "--name", "Taken", "--password", "x" * 12)
    before = await hub.counts()
    for case, (args, naming) in USER_ERRORS.items():
        done = hub("user", "add", *args)
        assert done.returncode == 2, case
        assert_refused(done, *naming)
        assert done.stdout == "", case
    assert await hub.counts() == before


# --- What the commands do -------------------------------------------------------------------


async def test_user_add_prints_a_generated_password(hub: Hub) -> None:
    hub.ok("migrate")
    hub.ok("seed")
    done = hub.ok("user", "add", "Ana@Example.org", "--name", "Ana Anić", "--municipality", "nis")
    assert "ana@example.org" in done.stdout
    generated = [ln for ln in done.stdout.splitlines() if ln.startswith("password: ")]
    assert len(generated) == 1
    password = generated[0].removeprefix("password: ")
    given = hub.ok(
        "user", "add", "boss@example.org", "--name", "Boss", "--admin", "--password", "b" * 12
    )
    assert "password" not in given.stdout and "(admin)" in given.stdout

    users = {email: (pw_hash, admin) for email, pw_hash, admin in await hub.users()}
    assert set(users) == {"ana@example.org", "boss@example.org"}
    assert verify_password(users["ana@example.org"][0], password)
    assert users["ana@example.org"][1] is False
    assert verify_password(users["boss@example.org"][0], "b" * 12)
    assert users["boss@example.org"][1] is True


async def test_migrate_then_seed_twice(hub: Hub) -> None:
    hub.ok("migrate")
    assert set((await hub.counts()).values()) == {0}

    first = hub.ok("seed")
    assert "8 committees, 28 networks, 170 municipalities" in first.stdout
    counts = await hub.counts()

    second = hub.ok("seed")
    assert "nothing new" in second.stdout
    assert await hub.counts() == counts
    hub.ok("migrate")  # migrating a current database is a no-op
    assert await hub.counts() == counts
    assert "0 proposals indexed" in hub.ok("reindex-proposals").stdout


async def test_seed_demo_prints_the_demo_accounts(hub: Hub) -> None:
    hub.ok("migrate")
    done = hub.ok("seed", "--demo")
    assert DEMO_ADMIN in done.stdout and DEMO_PASSWORD in done.stdout
    emails = [email for email, _, _ in await hub.users()]
    assert len(emails) == 11
    assert all(email in done.stdout for email in emails)
    again = hub.ok("seed", "--demo")
    assert "nothing new" in again.stdout and DEMO_ADMIN in again.stdout
    assert [email for email, _, _ in await hub.users()] == emails


async def test_seed_on_an_unmigrated_database_says_to_migrate(hub: Hub) -> None:
    for args in (["seed"], ["user", "add", "ana@example.org", "--name", "Ana"]):
        done = hub(*args)
        assert_refused(done, "hub migrate")
    # Nothing was left behind: not an empty SQLite file, not a table.
    if hub.url.startswith("sqlite"):
        assert not Path(hub.url.split("///", 1)[1]).exists()
    else:
        tables, _, _ = await inspect_schema(hub.url)
        assert tables == set()
