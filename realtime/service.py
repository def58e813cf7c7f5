"""The real-time service of one app instance: the bus, the manager, the sockets and their upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

from starlette.websockets import WebSocket

from hub import channels
from hub.actions.credentials import resolve_api_token, resolve_session
from hub.events import Event
from hub.i18n.script import for_script
from hub.permissions import ANONYMOUS
from hub.plumbing.runtime import Runtime
from realtime import presence
from realtime.bus import EventBus, Published
from realtime.frames import Notice, Person, Presence, Typing
from realtime.manager import Manager
from realtime.partials import FrameCache
from realtime.socket import CLOSE_REVOKED, Client

log = logging.getLogger("hub.realtime")

# A burst of joins (a thread opened by many at once) becomes one presence frame per socket, not
# one per join: without it, N readers arriving cost N * N frames.
PRESENCE_COALESCE = 0.25


class Realtime:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.redis = runtime.redis
        self.bus = EventBus(runtime.redis)
        self.manager = Manager(runtime.redis, self.bus)
        self.frames = FrameCache()
        self.clients: set[Client] = set()
        self.anonymous = ANONYMOUS
        self._tasks: set[asyncio.Task[None]] = set()
        self._presence_due: set[str] = set()
        self._presence_sent: dict[str, str] = {}  # channel -> the last presence frame broadcast
        self.manager.hooks.append(self._on_event)
        self.manager.preparers.append(self.frames.prepare)
        self.manager.encoder = self.frames.encoder
        self.manager.ephemeral_handlers.append(self._on_ephemeral)

    async def publish(self, events: Sequence[Event]) -> None:
        await self.bus.publish(events)

    async def start(self) -> None:
        await self.manager.start()
        self.spawn(self._upkeep())

    async def stop(self) -> None:
        for client in list(self.clients):
            client.close(1001)  # going away: clients reconnect, to this instance or another
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.manager.stop()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def origin_allowed(self, ws: WebSocket) -> bool:
        origin = ws.headers.get("origin")
        if origin is None:
            return True  # not a browser: no cookie can be ridden without one
        return self.runtime.settings.origin_allowed(origin, ws.headers.get("host", ""))

    async def credential_alive(self, client: Client) -> bool:
        """Whether the session or API token that opened the socket still stands (S9): the same
        check a request makes, so a socket lives exactly as long as its credentials would."""
        found = client.visitor
        if found.via == "session":
            resolved = await resolve_session(self.runtime, found.session_token, fresh=True)
            return resolved is not None and resolved[1].user_id == found.user_id
        if found.via == "token":
            header = client.ws.headers.get("authorization", "")
            identity = await resolve_api_token(self.runtime, header[7:].strip(), fresh=True)
            return identity is not None and identity.user_id == found.user_id
        return True  # anonymous: nothing to revoke

    async def _revoked(self, user_id: object) -> None:
        """Some credentials of the user ended: close every socket of theirs whose own did (4401)."""
        alive: dict[tuple[str, str | None], bool] = {}  # tabs of one browser share a cookie
        for client in [c for c in self.clients if c.visitor.user_id == user_id]:
            found = client.visitor
            key = (found.via, found.session_token or client.ws.headers.get("authorization"))
            if key not in alive:
                alive[key] = await self.credential_alive(client)
            if not alive[key] and client.closing is None:
                client.close(CLOSE_REVOKED)

    async def _on_event(self, event: Published) -> None:
        """Membership or visibility changed: the affected sockets re-check what they may read."""
        if event.type == "session.revoked":
            await self._revoked(event.data.get("user_id"))
        elif event.type == "membership.changed":
            affected = set(event.audience)
            for client in list(self.clients):
                if client.visitor.user_id in affected:
                    await client.recheck()
        elif event.type == "network.updated":
            slug = channels.key(event.channel)  # only what that network governs
            for client in list(self.clients):
                if any(grant.network_slug == slug for grant in client.grants.values()):
                    await client.recheck()
        elif event.type == "thread.moved" and channels.kind(event.channel) == channels.THREAD:
            # Into a network some of its readers may not read: they stop hearing of it (R8).
            for client in list(self.clients):
                if event.channel in client.subs:
                    await client.recheck()

    def _on_ephemeral(self, message: Notice) -> None:
        channel = message.get("c")
        subs = self.manager.channels.get(channel) if isinstance(channel, str) else None
        if not subs:
            return
        if message.get("k") == "typing":
            user = message.get("u") or Person(id=None, name="")
            frames: dict[str, str] = {}  # one per language: the name in the reader's script
            for sub in list(subs):
                if sub.client.visitor.user_id == user.get("id"):
                    continue
                language = sub.client.visitor.language
                if language not in frames:
                    named = Person(id=user["id"], name=for_script(str(user["name"]), language))
                    frame: Typing = {"type": "typing", "channel": sub.channel, "user": named}
                    frames[language] = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
                sub.client.put_raw(frames[language])
        elif message.get("k") == "presence":
            if not self._presence_due:
                self.spawn(self._send_presence_soon())
            self._presence_due.add(str(channel))

    async def presence_frame(self, channel: str, language: str) -> str:
        return _presence_frame(channel, await presence.readers(self, channel), language)

    async def _send_presence_soon(self) -> None:
        """Tell this instance's readers of the channels whose readers changed. A socket gets the
        current list when it subscribes (realtime.socket), so an unchanged list is not re-sent.
        Names are in each reader's script: one frame per language, encoded once."""
        await asyncio.sleep(PRESENCE_COALESCE)
        due, self._presence_due = self._presence_due, set()
        for channel in due:
            if not self.manager.channels.get(channel):
                self._presence_sent.pop(channel, None)
                continue
            try:
                users = await presence.readers(self, channel)
            except Exception:  # Redis away: presence is best effort (R10)
                log.warning("presence lookup failed", exc_info=True)
                continue
            seen = json.dumps(users, ensure_ascii=False)
            if seen == self._presence_sent.get(channel):
                continue
            self._presence_sent[channel] = seen
            frames: dict[str, str] = {}
            for sub in list(self.manager.channels.get(channel, ())):
                language = sub.client.visitor.language
                if language not in frames:
                    frames[language] = _presence_frame(channel, users, language)
                sub.client.put_raw(frames[language])

    async def _upkeep(self) -> None:
        while True:
            await asyncio.sleep(presence.REFRESH)  # a periodic refresh, not synchronisation
            try:
                await presence.refresh(self)
            except Exception:  # Redis away: presence is best effort
                log.warning("presence refresh failed", exc_info=True)


def _presence_frame(channel: str, users: list[Person], language: str) -> str:
    named = [Person(id=user["id"], name=for_script(user["name"], language)) for user in users]
    frame: Presence = {"type": "presence", "channel": channel, "users": named}
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
