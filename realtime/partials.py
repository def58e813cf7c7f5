"""Server-rendered partials carried by events, so the browser inserts what a reload would show.

The realtime layer does not know templates: the web layer registers a Renderer per event type.
`prepare` loads what the partial shows, once per event and instance (before any socket gets
the event); `variant` names what differs between readers (language, what they may do); each
variant's frame is rendered and JSON-encoded once, however many sockets receive it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from hub.permissions import Principal
from realtime.bus import Published
from realtime.frames import EventFrame
from realtime.wire import encode_text


@dataclass(frozen=True)
class Viewer:
    """Who receives a frame. A socket makes a new one whenever its principal changes, so what
    is worked out from the principal may be kept in `memo` (see hub.web.live)."""

    user_id: int | None
    language: str
    principal: Principal
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)


P = TypeVar("P")  # what `prepare` loads for an event, and `variant` and `render` are given


@dataclass(frozen=True)
class Renderer(Generic[P]):
    prepare: Callable[[Published], Awaitable[P | None]]  # None: the event goes without a partial
    variant: Callable[[Published, P, Viewer], Hashable]
    render: Callable[[Published, P, Viewer], str]


RENDERERS: dict[str, Renderer[Any]] = {}  # by event type; each its own P
_CACHE_SIZE = 4096


class FrameCache:
    def __init__(self) -> None:
        self._prepared: OrderedDict[tuple[str, str], Any] = OrderedDict()
        # Each variant's frame as text, and as the bytes of a WebSocket frame (realtime.wire).
        self._frames: OrderedDict[tuple[str, str, Hashable], tuple[str, bytes]] = OrderedDict()

    async def prepare(self, event: Published) -> None:
        renderer = RENDERERS.get(event.type)
        key = (event.channel, event.id)
        if renderer is None or key in self._prepared:
            return
        self._prepared[key] = await renderer.prepare(event)
        if len(self._prepared) > _CACHE_SIZE:
            self._prepared.popitem(last=False)

    def encoder(self, event: Published) -> Callable[[Viewer], tuple[str, bytes]]:
        """The event's frame for a viewer, by variant; what every socket's frame shares (the
        renderer, the prepared data) is looked up here, once per event rather than per socket."""
        renderer = RENDERERS.get(event.type)
        prepared = self._prepared.get((event.channel, event.id))
        if renderer is None or prepared is None:
            same = self._made(event, None, None, None, None)
            return lambda _viewer: same
        variant = renderer.variant
        frames = self._frames
        made = self._made

        def encoded(viewer: Viewer) -> tuple[str, bytes]:
            key = (event.channel, event.id, variant(event, prepared, viewer))
            found = frames.get(key)
            return found if found is not None else made(event, key, renderer, prepared, viewer)

        return encoded

    def _made(
        self,
        event: Published,
        key: tuple[str, str, Hashable] | None,
        renderer: Renderer[Any] | None,
        prepared: Any,
        viewer: Viewer | None,
    ) -> tuple[str, bytes]:
        """The frame of the variant `key` (None: the event has no partial), rendered for
        `viewer` and kept."""
        key = key or (event.channel, event.id, None)
        found = self._frames.get(key)
        if found is not None:
            return found
        data = dict(event.data)
        if renderer is not None and viewer is not None:
            data["partial"] = renderer.render(event, prepared, viewer)
        frame: EventFrame = {
            "type": "event",
            "channel": event.channel,
            "id": event.id,
            "event": event.type,
            "data": data,
        }
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
        found = (text, encode_text(text))
        self._frames[key] = found
        if len(self._frames) > _CACHE_SIZE:
            self._frames.popitem(last=False)
        return found
