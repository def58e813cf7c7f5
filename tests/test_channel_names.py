"""Channel names are made in one place (hub/channels.py): the templates call its functions
(the Jinja global `channels`) and the JS client only reads the names the server rendered, so
no template or script spells `<kind>:` followed by an id or slug of its own making."""

from __future__ import annotations

import re
from pathlib import Path

import hub
from hub import channels
from hub.web.templating import ENV

ROOT = Path(hub.__file__).parent
# A kind, a colon, then template output or string concatenation: a channel built by hand.
HAND_MADE = re.compile(
    rf"""\b({"|".join(channels.KINDS)}):(\{{\{{|["']\s*\+|["']\s*~)""", re.IGNORECASE
)


def _sources() -> list[Path]:
    return sorted([*(ROOT / "templates").rglob("*.html"), *(ROOT / "static").rglob("*.js")])


def test_no_template_or_script_builds_a_channel_name() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_MADE.search(line)
    ]
    assert found == []
    assert len(_sources()) > 10  # the walk found the templates and scripts at all


def test_the_pattern_finds_what_it_forbids() -> None:
    assert HAND_MADE.search('data-live-channel="thread:{{ thread.id }}"')
    assert HAND_MADE.search('frame.channel === "initiative:" + data.id')
    assert HAND_MADE.search('typing_channel="thread:" ~ thread.id')
    assert not HAND_MADE.search('data-live-channel="{{ channels.thread(thread.id) }}"')


def test_templates_name_channels_with_hub_channels() -> None:
    template = ENV.from_string(
        '<p data-live-channel="{{ channels.thread(7) }}" data-b="{{ channels.committee(s) }}">'
    )
    assert template.render(s="budzet") == (
        f'<p data-live-channel="{channels.thread(7)}" data-b="{channels.committee("budzet")}">'
    )
