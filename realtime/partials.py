"""Server-rendered partials carried by events, so the browser inserts what a reload would show.

The realtime layer does not know templates: the web layer registers a renderer per event type.
A renderer names a variant (language, and what the viewer may do); each variant of an event is
rendered once per instance, however many sockets receive it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from hub.permissions import Principal
from realtime.bus import Published


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    language: str
    principal: Principal


@dataclass(frozen=True)
class Renderer:
    variant: Callable[[Published, Viewer], Hashable]
    render: Callable[[Published, Viewer], str]


RENDERERS: dict[str, Renderer] = {}
_CACHE_SIZE = 4096


class FrameCache:
    """The encoded `event` frame of each (event, variant), built once per instance.

    With 1,000 sockets on a thread, a post is rendered and JSON-encoded once per variant
    (typically a handful), not once per socket.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str, Hashable], str] = OrderedDict()

    def frame(self, event: Published, viewer: Viewer) -> str:
        renderer = RENDERERS.get(event.type)
        variant = renderer.variant(event, viewer) if renderer else None
        key = (event.channel, event.id, variant)
        found = self._cache.get(key)
        if found is None:
            data = dict(event.data)
            if renderer is not None:
                data["partial"] = renderer.render(event, viewer)
            found = json.dumps(
                {
                    "type": "event",
                    "channel": event.channel,
                    "id": event.id,
                    "event": event.type,
                    "data": data,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            self._cache[key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found
