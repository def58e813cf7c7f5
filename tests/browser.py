"""Playwright with the system Chromium (CI machines cannot download Playwright's own browser)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


@asynccontextmanager
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    require_chromium()
    async with async_playwright() as pw:
        instance = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield instance
        finally:
            await instance.close()
