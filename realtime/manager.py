"""One per app instance: listens on the doorbell (one Redis subscription) and fans events out
to this instance's sockets, in order, with no gap and no duplicate per subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from realtime.bus import EventBus, Published, parse_id, pubsub_channel
from realtime.frames import Notice

if TYPE_CHECKING:  # realtime.socket imports this module
    from realtime.partials import Viewer
    from realtime.socket import Client

log = logging.getLogger("hub.realtime")


@dataclass(eq=False)
class Subscription:
    """One socket's subscription to one channel."""

    client: Client
    channel: str
    last_id: str | None = None
    last_key: tuple[int, int] | None = None  # last_id parsed
    replaying: bool = True
    buffer: list[Published] = field(default_factory=list)

    def resume_after(self, event_id: str) -> None:
        self.last_id, self.last_key = event_id, parse_id(event_id)

    def deliver(self, event: Published, encode: Encoder | None = None) -> None:
        if self.last_key is not None and event.key <= self.last_key:
            return  # already sent (the replay/live seam, or a gap filled twice)
        self.last_id, self.last_key = event.id, event.key
        self.client.send_event(self, event, encode)

    def go_live(self, replayed: list[Published]) -> None:
        """Send the replay, then what arrived meanwhile, then switch to live delivery."""
        for event in replayed:
            self.deliver(event)
        buffered, self.buffer = self.buffer, []
        for event in buffered:
            self.deliver(event)
        self.replaying = False


Hook = Callable[[Published], Awaitable[None]]
# An event's frame for a viewer, as text and as wire bytes (realtime.partials.FrameCache.encoder).
Encoder = Callable[["Viewer"], tuple[str, bytes]]


class Manager:
    def __init__(self, redis: Redis, bus: EventBus) -> None:
        self.redis = redis
        self.bus = bus
        # Typing and presence notices: pub/sub only, never stored (R10).
        self.ephemeral = pubsub_channel(redis, "ephemeral")
        self.channels: dict[str, set[Subscription]] = {}
        self.last_seen: dict[str, str] = {}  # channel -> newest id this instance saw
        self.hooks: list[Hook] = []  # e.g. re-check permissions on membership changes
        # Run once per event before any socket gets it (e.g. loading what its partial shows).
        self.preparers: list[Hook] = []
        # An event's frames by viewer, made once per event for all its sockets (set by the service).
        self.encoder: Callable[[Published], Encoder] | None = None
        self.ephemeral_handlers: list[Callable[[Notice], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="realtime-doorbell")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def add(self, sub: Subscription) -> None:
        self.channels.setdefault(sub.channel, set()).add(sub)

    def remove(self, sub: Subscription) -> None:
        subs = self.channels.get(sub.channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.channels[sub.channel]
                self.last_seen.pop(sub.channel, None)

    async def ring(self, message: Notice) -> None:
        """Broadcast an ephemeral message (typing, presence) to every instance."""
        await self.redis.publish(self.ephemeral, json.dumps(message, separators=(",", ":")))

    async def _listen(self) -> None:
        backoff = 0.1
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.bus.doorbell, self.ephemeral)
                self._ready.set()
                await self._catch_up()  # whatever rang while we were not listening
                backoff = 0.1
                async for message in pubsub.listen():
                    if message["type"] != "message":
                        continue
                    if message["channel"] == self.ephemeral:
                        self._ephemeral(message["data"])
                    else:
                        await self._doorbell(message["data"])
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except (RedisConnectionError, RedisError, OSError) as exc:
                log.warning("doorbell connection lost (%s); reconnecting", exc)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(backoff)  # reconnect backoff after losing Redis
            backoff = min(backoff * 2, 5.0)

    def _ephemeral(self, raw: str) -> None:
        try:
            message: Notice = json.loads(raw)  # rung by an instance of this hub (ring)
        except ValueError:
            return
        for handler in self.ephemeral_handlers:
            handler(message)

    async def _doorbell(self, raw: str) -> None:
        try:
            note = json.loads(raw)
            event = Published.from_payload(note["c"], note["id"], note["p"], note.get("prev", ""))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed doorbell message")
            return
        for hook in self.hooks:
            await hook(event)
        subs = self.channels.get(event.channel)
        if not subs:
            return
        known = self.last_seen.get(event.channel)
        if known is not None and event.prev != known and parse_id(event.id) > parse_id(known):
            await self._fill_gap(event.channel, known, event)
        await self.prepare(event)
        self._dispatch(event)

    async def prepare(self, event: Published) -> None:
        for preparer in self.preparers:
            try:
                await preparer(event)
            except Exception:  # the event still goes out, without its partial
                log.exception("preparing %s %s failed", event.type, event.id)

    def _dispatch(self, event: Published) -> None:
        known = self.last_seen.get(event.channel)
        if known is None or parse_id(event.id) > parse_id(known):
            self.last_seen[event.channel] = event.id
        subs = self.channels.get(event.channel)
        if not subs:
            return
        # The one loop every event runs per socket: kept to what differs between sockets.
        encode = self.encoder(event) if self.encoder is not None else None
        key = event.key
        for sub in list(subs):
            if sub.replaying:
                sub.buffer.append(event)
            elif sub.last_key is None or key > sub.last_key:
                sub.last_id, sub.last_key = event.id, key
                sub.client.send_event(sub, event, encode)

    async def _fill_gap(self, channel: str, known: str, upto: Published) -> None:
        """A doorbell message was missed: read the gap from the stream, or make clients resync."""
        recovered, _ = await self.bus.history(channel, known, count=1)
        if not recovered:
            self.resync(channel)
            return
        for missed in await self.bus.between(channel, known, upto.id):
            await self.prepare(missed)
            self._dispatch(missed)

    async def _catch_up(self) -> None:
        for channel, known in list(self.last_seen.items()):
            recovered, missed = await self.bus.history(channel, known)
            if not recovered:
                self.resync(channel)
                continue
            for event in missed:
                await self.prepare(event)
                self._dispatch(event)

    def resync(self, channel: str) -> None:
        """History no longer covers what this instance missed: its clients must reload (R3/R4)."""
        self.last_seen.pop(channel, None)
        for sub in list(self.channels.get(channel, ())):
            sub.client.send_resync(sub)
