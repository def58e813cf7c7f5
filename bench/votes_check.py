"""The vote benchmark's check: the tally the clients expect from their last accepted choices,
by the rules of hub/reads/vote_count.py, and its differences from the server's tally."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

CHOICES = ("yes", "no", "abstain")


def expected_tally(
    last: Mapping[int, str],
    counting: str = "member",
    municipality_of: Mapping[int, int | None] | None = None,
) -> dict[str, int]:
    """yes/no/abstain and turnout from each voter's last accepted choice. Per municipality:
    each local government whose voters voted gives one vote, the choice most of their ballots
    carry (yes, no or abstain), a tie at the top as abstain; voters without one not counted."""
    if counting == "member":
        counts = Counter(last.values())
        return {c: counts[c] for c in CHOICES} | {"turnout": len(last)}
    places: dict[int, Counter[str]] = {}
    for voter, choice in last.items():
        place = (municipality_of or {}).get(voter)
        if place is not None:
            places.setdefault(place, Counter())[choice] += 1
    result = Counter[str]()
    for counts in places.values():
        ranked = counts.most_common()
        tie = len(ranked) > 1 and ranked[1][1] == ranked[0][1]
        result["abstain" if tie else ranked[0][0]] += 1
    return {c: result[c] for c in CHOICES} | {"turnout": len(places)}


def check_tally(tally: Mapping[str, Any], expected: Mapping[str, int]) -> list[str]:
    """The differences between the server's tally and the expected one (empty: exact)."""
    return [
        f"{key}: server {tally.get(key)!r}, clients' last accepted choices {want}"
        for key, want in expected.items()
        if tally.get(key) != want
    ]
