"""The counting rules, as pure functions: per member, per local government (majority, tie as
abstain, electors without a local government uncounted), quorum and threshold."""

from __future__ import annotations

import pytest

from hub.reads.vote_count import count, majority


def test_per_member_counts_each_ballot() -> None:
    found = count("member", [(1, "yes"), (None, "no"), (2, "yes"), (2, "abstain")], [1, 2, 2, None])
    assert (found.yes, found.no, found.abstain) == (2, 1, 1)
    assert (found.turnout, found.eligible, found.voted, found.uncounted) == (4, 4, 4, 0)
    assert found.electors == 4


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        (["yes", "yes", "no"], "yes"),
        (["no", "no", "yes", "abstain"], "no"),
        (["abstain", "abstain", "yes"], "abstain"),
        (["yes", "no"], "abstain"),  # a tie at the top abstains
        (["yes", "no", "abstain"], "abstain"),
        (["yes", "abstain"], "abstain"),
        (["yes", "yes", "no", "no", "abstain"], "abstain"),
        (["yes"], "yes"),
    ],
)
def test_a_local_governments_vote_is_its_majority(choices: list[str], expected: str) -> None:
    assert majority(choices) == expected


def test_per_municipality_one_local_government_one_vote() -> None:
    electorate = [1, 1, 1, 2, 2, 3, 3, 4, None, None]
    ballots = [
        (1, "yes"),
        (1, "yes"),
        (1, "no"),  # 1: yes
        (2, "no"),
        (2, "yes"),  # 2: tie, abstain
        (3, "no"),  # 3: no (one of its two voted)
        (None, "yes"),  # no local government: not counted
    ]
    found = count("municipality", ballots, electorate)
    assert (found.yes, found.no, found.abstain) == (1, 1, 1)
    assert found.eligible == 4  # local governments in the electorate (4 never voted)
    assert found.turnout == 3
    assert found.voted == 7
    assert found.uncounted == 1
    assert found.electors == 10


def test_quorum_and_threshold() -> None:
    found = count("member", [(None, "yes")] * 3 + [(None, "no")] * 2, [None] * 10)
    assert found.quorum_met(50) and not found.quorum_met(51)
    assert found.passing(50, 60)  # 3 of 5 is 60 %
    assert not found.passing(50, 61)
    assert not found.passing(51, 50)  # quorum not met


def test_a_tie_never_passes_and_abstentions_do_not_count_for_the_threshold() -> None:
    tie = count("member", [(None, "yes"), (None, "no")], [None, None])
    assert not tie.passing(0, 50)
    abstaining = count("member", [(None, "yes")] + [(None, "abstain")] * 5, [None] * 6)
    assert abstaining.passing(100, 100)


def test_nobody_voting_never_passes_even_without_quorum() -> None:
    assert not count("member", [], [None, None]).passing(0, 50)
    assert count("member", [], []).turnout_percent() == 0.0
