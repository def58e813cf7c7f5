"""A vote's tally as an accessible bar chart: server-rendered SVG, no JavaScript.

`chart_bars` is the pure part: from a tally (the dict hub.reads.vote_tally.tally_public gives
the API, the pages and the `vote.tally` event) it works out one bar per figure, all on one scale
(the electorate: members, or local governments when counting per municipality), and where the
quorum marker stands on the turnout bar. `chart` renders templates/proposals/_vote_chart.html:
the figures are text inside the SVG, each choice has its own pattern as well as its colour, and
a visually hidden table carries the same figures for screen readers.

A secret ballot's tally has no yes/no/abstain while the vote is open (V5): the chart then shows
the turnout bar alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from hub.web.templating import render_string

WIDTH = 400  # the viewBox's width; the SVG scales to its container (phone widths too)
TRACK = 300  # the longest bar: the whole electorate
ROW = 44  # one row: its label above, its bar below
BAR = 18
CHOICES = ("yes", "no", "abstain")


@dataclass(frozen=True)
class Bar:
    key: str  # yes, no, abstain or turnout: the template's label and pattern
    value: int
    length: float  # in viewBox units, proportional to value over the electorate
    y: int  # the top of the row


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    choices_hidden: bool  # a secret ballot while open: no choices' totals
    scale: int  # the electorate the bars are measured against
    quorum_x: float  # where the quorum marker stands on the turnout bar
    quorum_needed: int  # how many must take part to meet the quorum
    height: int
    width: int = WIDTH
    track: int = TRACK
    bar: int = BAR


def _int(tally: Mapping[str, object], key: str) -> int | None:
    value = tally.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def quorum_needed(eligible: int, quorum: int) -> int:
    """How many of the electorate must take part: quorum percent of it, rounded up."""
    return -(-eligible * quorum // 100)


def chart_bars(tally: Mapping[str, object]) -> Chart:
    """The bars of a tally (a pure function: no database, no template)."""
    eligible = _int(tally, "eligible") or 0
    scale = max(eligible, 1)
    hidden = any(_int(tally, key) is None for key in CHOICES)
    keys = ("turnout",) if hidden else (*CHOICES, "turnout")
    bars = []
    for row, key in enumerate(keys):
        value = _int(tally, key) or 0
        bars.append(Bar(key, value, TRACK * min(value, scale) / scale, row * ROW))
    quorum = _int(tally, "quorum") or 0
    return Chart(
        bars=bars,
        choices_hidden=hidden,
        scale=eligible,
        quorum_x=TRACK * quorum / 100,
        quorum_needed=quorum_needed(eligible, quorum),
        height=len(bars) * ROW + 24,  # and the quorum label below the last bar
    )


def chart(tally: Mapping[str, object], prefix: str = "tally") -> Markup:
    """The chart as HTML (a <figure>), in the current language; `prefix` keeps its ids unique."""
    return render_string(
        "proposals/_vote_chart.html",
        chart=chart_bars(tally),
        tally=tally,
        prefix=prefix,
    )


def time_left(seconds: int) -> tuple[int, int, int]:
    """Days, hours and minutes in `seconds` (a started minute counts as a whole one)."""
    minutes = -(-max(seconds, 0) // 60)
    return minutes // (24 * 60), minutes // 60 % 24, minutes % 60


@dataclass(frozen=True)
class TallyView:
    """What templates/proposals/_vote_tally.html shows: the tally, its chart, the closing time and
    the time left (days, hours, minutes) when it was read."""

    tally: Mapping[str, Any]
    chart: Chart
    closes_at: dt.datetime | None
    closed_at: dt.datetime | None
    left: tuple[int, int, int]


def _moment(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def tally_view(tally: Mapping[str, Any]) -> TallyView:
    """A tally as the page and the `vote.tally` partial show it (a pure function)."""
    return TallyView(
        tally,
        chart_bars(tally),
        _moment(tally.get("closes_at")),
        _moment(tally.get("closed_at")),
        time_left(_int(tally, "seconds_left") or 0),
    )
