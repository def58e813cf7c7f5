"""Tests that keep the docs honest: every setting, command, event type and API route is documented.

They read the code, not a list kept by hand, so adding a variable, a command, an event type or
an API route without writing it down fails here.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.cli import build_parser
from hub.events import EVENT_TYPES
from hub.web.routes import API_ROUTES as ROUTES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API_PREFIX = "/api/v1"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def config_variables() -> set[str]:
    """Every HUB_* name hub/config.py reads, found in its source."""
    source = (ROOT / "hub" / "config.py").read_text(encoding="utf-8")
    return {name.rstrip("_") for name in re.findall(r"HUB_[A-Z_]+", source)}


def documented_variables() -> set[str]:
    """The first column of the tables in docs/configuration.md: `HUB_...` in backticks."""
    return set(re.findall(r"^\|\s*`(HUB_[A-Z_]+)`\s*\|", doc("configuration.md"), re.MULTILINE))


def commands(
    parser: argparse.ArgumentParser, prefix: str = "hub"
) -> Iterator[tuple[str, list[str]]]:
    """Every leaf command with its options, e.g. ("hub user add", ["--name", ...])."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        options = [
            option
            for action in parser._actions
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        ]
        yield prefix, options
        return
    for action in subparsers:
        for name, child in action.choices.items():
            yield from commands(child, f"{prefix} {name}")


def api_operations() -> list[str]:
    """Every API operation as "METHOD /api/v1/path" (HEAD comes with GET and is not listed)."""
    return sorted(
        f"{method} {API_PREFIX}{route.path}"
        for route in ROUTES
        for method in (route.methods or set())
        if method != "HEAD"
    )


async def test_every_setting_is_in_the_configuration_table() -> None:
    found = config_variables()
    assert "HUB_DATABASE_URL" in found  # the scan itself works
    missing = found - documented_variables()
    assert not missing, f"document these in docs/configuration.md: {sorted(missing)}"


async def test_the_configuration_table_lists_only_settings_that_exist() -> None:
    invented = documented_variables() - config_variables()
    assert not invented, f"hub/config.py does not read these: {sorted(invented)}"


async def test_every_command_and_option_is_in_operations() -> None:
    text = doc("operations.md")
    leaves = list(commands(build_parser()))
    assert ("hub migrate", []) in leaves  # the walk reaches the leaves
    for command, options in leaves:
        assert f"`{command}" in text, f"document `{command}` in docs/operations.md"
        for option in options:
            assert option in text, f"document {command} {option} in docs/operations.md"


async def test_every_event_type_is_documented() -> None:
    text = doc("architecture.md")
    if (DOCS / "realtime.md").exists():
        text += doc("realtime.md")
    assert EVENT_TYPES
    missing = [name for name in EVENT_TYPES if f"`{name}`" not in text]
    assert not missing, f"document these event types in docs/architecture.md: {missing}"


@pytest.mark.parametrize("operation", api_operations())
async def test_every_api_route_is_in_the_api_docs(operation: str) -> None:
    assert operation in doc("api.md"), f"document `{operation}` in docs/api.md"
