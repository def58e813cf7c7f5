"""The vote benchmark's tally check (bench/votes.py) can fail: a wrong tally is reported."""

from __future__ import annotations

import itertools

import pytest

from bench.votes import main, plan
from bench.votes_check import check_tally, expected_tally

LAST = {1: "yes", 2: "yes", 3: "no", 4: "abstain", 5: "yes"}


def test_exact_tally_passes() -> None:
    tally = {"yes": 3, "no": 1, "abstain": 1, "turnout": 5, "eligible": 200}
    assert check_tally(tally, expected_tally(LAST)) == []


def test_a_vote_counted_twice_or_missed_fails() -> None:
    expected = expected_tally(LAST)
    # A change counted as a second vote: one yes too many.
    problems = check_tally({"yes": 4, "no": 1, "abstain": 1, "turnout": 5}, expected)
    assert problems == ["yes: server 4, clients' last accepted choices 3"]
    # A change lost: the voter's earlier choice still counted.
    wrong = {"yes": 2, "no": 2, "abstain": 1, "turnout": 5}
    assert [p.split(":")[0] for p in check_tally(wrong, expected)] == ["yes", "no"]
    # A missing field (a secret ballot's totals before the close) is not a pass either.
    assert len(check_tally({"turnout": 5}, expected)) == 3


def test_per_municipality_majority_tie_and_no_municipality() -> None:
    places = {1: 10, 2: 10, 3: 10, 4: 20, 5: None}  # 10: yes 2 to no 1; 20: abstain only
    expected = expected_tally(LAST, "municipality", places)
    assert expected == {"yes": 1, "no": 0, "abstain": 1, "turnout": 2}
    tied = expected_tally({1: "yes", 2: "no"}, "municipality", {1: 10, 2: 10})
    assert tied == {"yes": 0, "no": 0, "abstain": 1, "turnout": 1}
    # The most ballots decide, abstentions included: abstain 2, no 1 is an abstention.
    most = {1: "abstain", 2: "abstain", 3: "no"}
    assert expected_tally(most, "municipality", {1: 7, 2: 7, 3: 7})["abstain"] == 1
    assert expected_tally({3: "no"}, "municipality", {3: 7})["no"] == 1
    assert check_tally({"yes": 2, "no": 1, "abstain": 1, "turnout": 4}, expected)


def test_every_change_is_a_change() -> None:
    for choices in plan(50, 5, seed=3):
        picked = [c for c, _reason in choices]
        assert len(picked) == 5
        assert all(a != b for a, b in itertools.pairwise(picked))


def test_smoke_run_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole benchmark, small: a real `hub serve`, 5 clients, 3 votes each; exact tally."""
    status = main(["--sqlite", "--clients", "5", "--changes", "2", "--rate", "0"])
    out = capsys.readouterr().out
    assert "tally check: exact" in out, out
    assert "PUT vote" in out and "GET /api/v1/me" in out
    assert status == 0, out
