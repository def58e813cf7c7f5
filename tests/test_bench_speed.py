"""Smoke runs of the write and fan-out benchmarks (bench/write.py, bench/fanout.py), small:
they run against a real `hub serve` and count exactly. No speed is asserted here."""

from __future__ import annotations

import json

import pytest

from bench import fanout, write


def test_write_benchmark_smoke_run(capsys: pytest.CaptureFixture[str]) -> None:
    status = write.main(["--posts", "6", "--warmup", "2"])
    out = capsys.readouterr().out
    assert "posts: 6 (+2 warm-up), failed: 0, counted by the thread: 6" in out, out
    assert "bare SQLAlchemy insert-and-commit" in out and "ratio:" in out
    assert status == 0, out


def test_fanout_benchmark_smoke_run(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--subscribers", "4", "--rate", "5", "--seconds", "1", "--warmup", "0.4", "--json"]
    assert fanout.main(argv) == 0
    out = capsys.readouterr().out
    results = json.loads(out.strip().splitlines()[-1])
    assert [r["server"] for r in results] == ["hub", "hub, bus only", "baseline"]
    for r in results:  # every subscriber got every frame of its round, and nothing else
        assert r["posts"] == 5 and r["subscribers"] == 4
        assert r["received"] == r["expected"] == 20, r
    assert "of the baseline's" in out
