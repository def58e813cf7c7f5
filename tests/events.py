"""`capture_events`: what the actions announced, as committed and published, in order.

The actions hand their events to the runtime's publisher after the commit (and never for a
rolled-back transaction), so capturing there sees exactly what sockets would receive.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from hub.events import Event
from hub.plumbing.runtime import Runtime


class Heard(list[Event]):
    """The events published while capturing, with shorthands for the assertions."""

    def types(self) -> list[tuple[str, str]]:
        return [(e.channel, e.type) for e in self]

    def of(self, type_: str) -> list[Event]:
        return [e for e in self if e.type == type_]

    def one(self, type_: str) -> Event:
        found = self.of(type_)
        assert len(found) == 1, f"expected one {type_}, heard {self.types()}"
        return found[0]


@contextmanager
def capture_events(runtime: Runtime) -> Iterator[Heard]:
    heard = Heard()
    before = runtime.publisher

    async def capture(events: Sequence[Event]) -> None:
        heard.extend(events)

    runtime.publisher = capture
    try:
        yield heard
    finally:
        runtime.publisher = before
