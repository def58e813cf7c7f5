"""The page benchmark (python -m bench) runs end to end and counts every request; no speed."""

from __future__ import annotations

from bench.board import measure_all, report


def test_smoke_run_on_sqlite() -> None:
    """Real `hub serve` and baseline processes, the real data, a few requests of each page."""
    results = measure_all(12, 3)
    assert [r.name for r in results] == ["baseline", "board", "thread"]
    for result in results:  # each answer was a 200 with the page's own text (bench.board.drive)
        assert result.requests == 12 and len(result.latencies) == 12, result.name
        assert result.seconds > 0
    lines = report(results, 12, 3, "SQLite").splitlines()
    assert "12 requests per page, 3 in flight, SQLite" in lines[0] and "load" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["baseline", "board", "thread"]
    assert lines[2].endswith("100%")
