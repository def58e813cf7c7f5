"""Playwright with the system Chromium (CI machines cannot download Playwright's own browser)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> None:
    if not shutil.which("chromium") and not shutil.which("/usr/bin/chromium"):
        pytest.skip("Debian's chromium is not installed (scripts/ensure-system-packages chromium)")


def driver_problem() -> str | None:
    """Why Playwright's driver (the node it bundles) cannot run, in its own words; None if it can.

    A driver that dies at start leaves Playwright with only "Connection closed while reading
    from the driver"; running it once more by itself shows the reason, such as a shared library
    the machine lacks.
    """
    from playwright._impl._driver import compute_driver_executable

    node, _cli = compute_driver_executable()
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{node}: {exc}"
    if done.returncode == 0:
        return None
    # The loader's words first ("error while loading shared libraries: libatomic.so.1: ..."),
    # so that pytest's one-line summary shows them.
    output = (done.stderr.strip() or done.stdout.strip()).replace(f"{node}: ", "")[-2000:]
    return f"{output} ({node} exited with status {done.returncode})"


@asynccontextmanager
async def playwright() -> AsyncIterator[Any]:
    """Playwright's driver, started; when it cannot start, the error says why."""
    from playwright.async_api import async_playwright

    async with AsyncExitStack() as stack:
        try:
            pw = await stack.enter_async_context(async_playwright())
        except Exception as exc:
            problem = driver_problem()
            if problem is None:
                raise
            raise RuntimeError(
                f"Playwright's driver cannot start: {problem} "
                "(on Debian/Ubuntu, scripts/ensure-system-packages chromium installs what it needs)"
            ) from exc
        yield pw


@asynccontextmanager
async def browser() -> AsyncIterator[object]:
    require_chromium()
    async with playwright() as pw:
        instance = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield instance
        finally:
            await instance.close()
