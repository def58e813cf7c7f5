"""The tally's bar chart (hub.web.pages.vote_chart): the figures are in the SVG as text, the bars
are proportional to the figures over the electorate, and a secret ballot's open tally shows the
turnout alone (V5)."""

from __future__ import annotations

import re

from hub.web.pages.vote_chart import TRACK, chart, chart_bars, quorum_needed
from hub.web.templating import language


def tally(**figures: object) -> dict[str, object]:
    base: dict[str, object] = {
        "status": "open",
        "ballot": "open",
        "counting": "member",
        "quorum": 50,
        "threshold": 50,
        "eligible": 40,
        "turnout": 0,
        "yes": 0,
        "no": 0,
        "abstain": 0,
    }
    return base | figures


def fills(html: str) -> dict[str, float]:
    """Each bar's key and the width of its filled part, read from the rendered SVG."""
    found = re.findall(
        r'data-key="(\w+)" data-value="\d+">.*?class="vote-bar-fill"[^>]*width="([\d.]+)"',
        html,
        re.S,
    )
    return {key: float(width) for key, width in found}


def render(figures: dict[str, object], lang: str = "en") -> str:
    with language(lang):
        return str(chart(figures))


def test_bars_are_proportional_to_the_figures_over_the_electorate() -> None:
    found = chart_bars(tally(yes=20, no=10, abstain=2, turnout=32))
    lengths = {bar.key: bar.length for bar in found.bars}
    assert lengths == {
        "yes": TRACK * 20 / 40,
        "no": TRACK * 10 / 40,
        "abstain": TRACK * 2 / 40,
        "turnout": TRACK * 32 / 40,
    }
    assert found.quorum_x == TRACK / 2 and found.quorum_needed == 20
    assert not found.choices_hidden
    html = render(tally(yes=20, no=10, abstain=2, turnout=32))
    widths = fills(html)
    assert widths["yes"] == 2 * widths["no"] == 10 * widths["abstain"]
    assert widths["turnout"] == TRACK * 32 / 40


def test_the_figures_are_text_in_the_svg_and_in_the_hidden_table() -> None:
    html = render(tally(yes=17, no=9, abstain=3, turnout=29))
    svg = html.split("</svg>")[0]
    for figure in ("17", "9", "3", "29"):
        assert f'fill="#1c2430">{figure}</text>' in svg
    table = html.split("<table")[1]
    for label, figure in (("Yes", 17), ("No", 9), ("Abstain", 3), ("Took part", 29)):
        assert f'<th scope="row">{label}</th><td>{figure}</td>' in table
    assert "quorum 50%" in svg
    assert 'aria-hidden="true"' in svg  # the table speaks for it
    # Each choice has its own pattern, not only its colour.
    assert len(set(re.findall(r'fill="url\(#tally-p-(\w+)\)"', svg))) == 4


def test_no_votes_yet_draws_empty_tracks_and_zeros() -> None:
    found = chart_bars(tally())
    assert [bar.length for bar in found.bars] == [0, 0, 0, 0]
    html = render(tally())
    assert set(fills(html).values()) == {0.0}
    assert html.count(f'width="{TRACK}"') == 4  # the tracks stay visible


def test_an_empty_electorate_does_not_divide_by_zero() -> None:
    found = chart_bars(tally(eligible=0))
    assert all(bar.length == 0 for bar in found.bars) and found.quorum_needed == 0


def test_a_secret_ballot_while_open_shows_turnout_only() -> None:
    secret = tally(ballot="secret", yes=None, no=None, abstain=None, turnout=12)
    found = chart_bars(secret)
    assert found.choices_hidden and [bar.key for bar in found.bars] == ["turnout"]
    html = render(secret)
    assert 'data-key="yes"' not in html and ">Yes<" not in html and ">Abstain<" not in html
    assert "shown when the vote closes" in html
    # Closed, the same ballot shows its frozen totals.
    closed = render(tally(ballot="secret", status="closed", yes=7, no=4, abstain=1, turnout=12))
    assert fills(closed).keys() == {"yes", "no", "abstain", "turnout"}


def test_per_municipality_the_scale_is_local_governments_and_text_follows_the_language() -> None:
    figures = tally(counting="municipality", eligible=5, yes=3, no=1, abstain=0, turnout=4)
    assert "5 local governments" in render(figures)
    latin, cyrillic = render(figures, "sr-Latn"), render(figures, "sr-Cyrl")
    assert ">Za<" in latin and ">За<" in cyrillic


def test_quorum_needed_rounds_up() -> None:
    assert quorum_needed(40, 50) == 20
    assert quorum_needed(41, 50) == 21
    assert quorum_needed(3, 0) == 0
    assert quorum_needed(7, 100) == 7
