"""bench.floor keeps working: every round answered 200 and reported per request."""

from __future__ import annotations

import re

import pytest

from bench.floor import main


def test_the_floor_benchmark_runs_small_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sqlite", "--voters", "5", "--requests", "6"]) == 0
    out = capsys.readouterr().out
    for name in ("GET /api/v1/me", "PUT vote", "POST post"):
        line = next(x for x in out.splitlines() if x.startswith(name))
        assert re.search(r"\d+\.\d\d ms CPU/request .* non-200: 0 ", line), line


def test_only_runs_the_rounds_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sqlite", "--voters", "5", "--requests", "3", "--only", "post"]) == 0
    rounds = [x.split()[0:2] for x in capsys.readouterr().out.splitlines() if "ms CPU" in x]
    assert rounds == [["POST", "post"]]
