"""Counting a vote: pure functions over the ballots and the frozen electorate, no database.

The rules (docs/votes-technical.md has them in full):

- **Per member** (`member`): every elector has one vote. `eligible` is the size of the frozen
  electorate; `turnout` the electors who cast a ballot (yes, no or abstain).
- **Per local government** (`municipality`, "one municipality, one vote"): the electors are
  grouped by the local government they belonged to when the vote opened. Each group that cast
  at least one ballot gives one vote: the choice most of its ballots carry (the plurality of
  yes, no and abstain); a tie between the leading choices counts as `abstain`. `eligible` is the
  number of local governments in the electorate, `turnout` the number that took part (any of
  its electors voted). Ballots of electors without a local government are not counted in this
  mode; they are reported as `uncounted`.
- **Quorum** is met when `turnout * 100 >= quorum * eligible`.
- **Passing**: quorum met, `yes * 100 >= threshold * (yes + no)` and `yes > no` (abstentions
  count for the quorum, not for the threshold; a threshold of 50 needs a strict majority).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hub.models.votes import Choice, Counting

CHOICES = (Choice.YES, Choice.NO, Choice.ABSTAIN)


@dataclass(frozen=True)
class Count:
    yes: int
    no: int
    abstain: int
    turnout: int  # members, or local governments, that took part
    eligible: int  # members, or local governments, in the electorate
    voted: int  # people who cast a ballot, whatever the counting
    uncounted: int  # ballots not counted: electors without a local government, per municipality
    electors: int  # people in the electorate, whatever the counting
    version: int = 0  # ballots plus changes of choice: rises whenever the tally can change

    def quorum_met(self, quorum: int) -> bool:
        return self.turnout * 100 >= quorum * self.eligible

    def passing(self, quorum: int, threshold: int) -> bool:
        yes, no = self.yes, self.no
        return self.quorum_met(quorum) and yes * 100 >= threshold * (yes + no) and yes > no

    def turnout_percent(self) -> float:
        return round(self.turnout * 100 / self.eligible, 1) if self.eligible else 0.0


def majority(choices: Iterable[str]) -> str:
    """One local government's vote: the plurality of its ballots; a tie at the top abstains."""
    counts = Counter(choices)
    ranked = sorted((counts.get(c, 0) for c in CHOICES), reverse=True)
    if ranked[0] == ranked[1]:
        return Choice.ABSTAIN
    return next(c for c in CHOICES if counts.get(c, 0) == ranked[0])


def count(
    counting: str,
    ballots: Iterable[tuple[int | None, str]],
    electorate: Iterable[int | None],
) -> Count:
    """The tally of `ballots` (each the voter's local government at opening and the choice) in
    an electorate given as each elector's local government at opening."""
    ballots = list(ballots)
    electorate = list(electorate)
    if counting == Counting.MEMBER:
        per = Counter(choice for _m, choice in ballots)
        return Count(
            yes=per[Choice.YES],
            no=per[Choice.NO],
            abstain=per[Choice.ABSTAIN],
            turnout=len(ballots),
            eligible=len(electorate),
            voted=len(ballots),
            uncounted=0,
            electors=len(electorate),
        )
    groups: dict[int, list[str]] = {}
    uncounted = 0
    for municipality, choice in ballots:
        if municipality is None:
            uncounted += 1
        else:
            groups.setdefault(municipality, []).append(choice)
    per = Counter(majority(choices) for choices in groups.values())
    return Count(
        yes=per[Choice.YES],
        no=per[Choice.NO],
        abstain=per[Choice.ABSTAIN],
        turnout=len(groups),
        eligible=len({m for m in electorate if m is not None}),
        voted=len(ballots),
        uncounted=uncounted,
        electors=len(electorate),
    )
