"""Channel names: what hub.channels makes is what realtime accepts, and nothing else is."""

from __future__ import annotations

import pytest

from hub import channels
from realtime.channels import Refused, parse


@pytest.mark.parametrize(
    ("made", "wire", "kind"),
    [
        (channels.network("berlin-mitte"), "network:berlin-mitte", channels.NETWORK),
        (channels.committee("umwelt"), "committee:umwelt", channels.COMMITTEE),
        (channels.thread(42), "thread:42", channels.THREAD),
        (channels.proposal(7), "proposal:7", channels.PROPOSAL),
        (channels.initiative(3), "initiative:3", channels.INITIATIVE),
        (channels.user(12), "user:12", channels.USER),
    ],
)
def test_a_made_name_is_the_wire_format_and_parses_back(made: str, wire: str, kind: str) -> None:
    assert made == wire
    assert parse(made) == (kind, wire.partition(":")[2])
    assert channels.kind(made) == kind
    assert channels.key(made) == wire.partition(":")[2]


@pytest.mark.parametrize(
    "name", ["thread", "thread:", "post:1", "thread:42:x", "Thread:42", "network:Berlin", 42, None]
)
def test_anything_else_is_refused(name: object) -> None:
    assert channels.parse(name) is None
    with pytest.raises(Refused):
        parse(name)


def test_kind_of_a_name_without_colon_is_empty() -> None:
    assert channels.kind("thread") == ""
