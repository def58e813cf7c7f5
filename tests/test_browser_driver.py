"""Browser tests on a machine that lacks what Playwright's driver needs say what is missing.

Playwright's driver is the node binary its wheel bundles. Where a shared library it links to is
missing (libatomic.so.1 on a minimal Debian), it dies at start and Playwright reports only
"Connection closed while reading from the driver"; tests/browser.py adds the driver's own words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import driver_problem, playwright

LOADER_ERROR = (
    "node: error while loading shared libraries: libatomic.so.1: "
    "cannot open shared object file: No such file or directory"
)


async def test_a_driver_that_cannot_start_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A node that fails as the real one does where a library is missing: the dynamic loader
    # prints the library's name and the process exits 127 before running any JavaScript.
    node = tmp_path / "node"
    node.write_text(f"#!/bin/sh\necho '{LOADER_ERROR}' >&2\nexit 127\n")
    node.chmod(0o755)
    monkeypatch.setenv("PLAYWRIGHT_NODEJS_PATH", str(node))
    with pytest.raises(RuntimeError) as raised:
        async with playwright():
            pytest.fail("a driver that exits at once cannot have started")
    message = str(raised.value)
    assert LOADER_ERROR in message
    assert "status 127" in message
    assert "scripts/ensure-system-packages" in message


async def test_this_machine_can_run_the_driver() -> None:
    # On a machine missing a library, this fails naming it (as the browser tests would).
    assert driver_problem() is None
    async with playwright() as pw:
        assert pw.chromium.name == "chromium"
