"""The /ws endpoint: one socket per browser tab, multiplexing channels (docs/realtime.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Coroutine, Generator
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import Gauge
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from hub import channels
from realtime import presence
from realtime.bus import Published, parse_id
from realtime.channels import Grant, Refused, authorize
from realtime.frames import Error, Frame
from realtime.manager import Encoder, Subscription
from realtime.partials import Viewer
from realtime.wire import protocol_of, write_now

if TYPE_CHECKING:  # realtime.service imports this module
    from realtime.service import Realtime

log = logging.getLogger("hub.realtime")
OPEN = Gauge("hub_ws_connections", "WebSocket connections this instance is serving")

# Characters of frames waiting for a slow reader before it is dropped (R7). A bound in bytes,
# not frames: a few big posts weigh more than many small notices. Event frames are shared by
# every socket that receives them (realtime.partials.FrameCache), so this is an upper bound.
SEND_BUFFER = 1 << 20
MAX_FRAME = 4096  # bytes of one client frame
MAX_CHANNELS = 50  # subscriptions per socket
RATE = 10.0  # client frames per second, sustained
BURST = 40.0
CLOSE_TOO_SLOW = 4008  # the client did not read its frames fast enough
CLOSE_ABUSE = 1008  # policy violation: far over the frame rate
CLOSE_REVOKED = 4401  # the session or API token that opened the socket ended (S9)
TYPING_EVERY = 2.0  # seconds between typing notices a socket may send per channel


class Visitor(Protocol):
    """Who opened the socket: what the app's VisitorMiddleware put into the scope
    (hub.web.visitor.Visitor), named by what realtime reads of it."""

    @property
    def user_id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def via(self) -> str: ...  # "session", "token" or "" (anonymous)
    @property
    def session_token(self) -> str | None: ...


class _Rest:
    """The rest of a send that `Client.put_raw` started and that had to wait (the socket's
    buffer was full). The writer task awaits it: it waits for what the send was waiting for,
    then resumes the send, as a task would have. Cancelling the writer cancels the send."""

    __slots__ = ("send", "waiting")

    def __init__(self, send: Coroutine[Any, Any, None], waiting: object) -> None:
        self.send, self.waiting = send, waiting

    def abandon(self) -> None:
        """Never to be finished (the socket is being closed): stop waiting and end the send."""
        if isinstance(self.waiting, asyncio.Future):
            self.waiting.cancel()
        self.send.close()

    def __await__(self) -> Generator[object, None, None]:
        send, waiting = self.send, self.waiting
        while True:
            try:
                yield waiting
            except BaseException as exc:  # thrown into the writer: into the send
                try:
                    waiting = send.throw(exc)
                except StopIteration:
                    return
                continue
            try:
                waiting = send.send(None)
            except StopIteration:
                return


class Client:
    def __init__(self, ws: WebSocket, hub: Realtime, found: Visitor) -> None:
        self.ws = ws
        # The server's protocol object under `hub serve` (realtime.wire), else None.
        self.protocol = protocol_of(ws.scope)
        self.hub = hub
        self.visitor = found
        self.viewer = Viewer(found.user_id, found.language, hub.anonymous)
        self.queue: asyncio.Queue[str | _Rest | None] = asyncio.Queue()
        self.queued = 0  # characters of the frames in `queue`, bounded by SEND_BUFFER
        self.flowing = True  # nothing queued and no send under way: a frame may go out at once
        self.writing: asyncio.Task[None] | None = None  # the writer task, set by `endpoint`
        self.subs: dict[str, Subscription] = {}
        self.grants: dict[str, Grant] = {}
        self.closing: int | None = None
        self._tokens = BURST
        self._refilled = time.monotonic()
        self._excess = 0
        self._typed: dict[str, float] = {}

    # -- sending ------------------------------------------------------------------------------
    def put(self, frame: Frame) -> None:
        self.put_raw(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    def put_raw(self, frame: str) -> None:
        if self.closing is not None:
            return
        if self.flowing:
            self._send_now(frame)
            return
        if self.queued + len(frame) > SEND_BUFFER:
            self.close(CLOSE_TOO_SLOW, now=True)
            return
        self.queued += len(frame)
        self.queue.put_nowait(frame)

    def _send_now(self, frame: str) -> None:
        """Send on the caller's turn of the event loop, as websockets.broadcast does. While the
        socket's buffer has room, the send completes without waiting, so a frame that a
        thousand sockets receive costs no task switch per socket. When it must wait, the writer
        task finishes it, and later frames queue behind it (bounded: R7)."""
        send = self.ws.send_text(frame)
        try:
            waiting = send.send(None)
        except StopIteration:
            return
        except (WebSocketDisconnect, RuntimeError):
            self.close(1006)  # the peer went away: the writer ends and the socket is cleaned up
            return
        except Exception:  # e.g. the server's keepalive ping holds the socket's one drain slot
            log.warning("sending to a socket failed; closing it", exc_info=True)
            self.close(1011)  # this socket only: the caller goes on to the others
            return
        self.flowing = False
        self.queue.put_nowait(_Rest(send, waiting))

    def close(self, code: int, *, now: bool = False) -> None:
        """Close after the queued frames; `now` drops them: the writer is stuck on a full socket."""
        if self.closing is None:
            self.closing = code
            if now:
                self._drop_queued()
                if self.writing is not None:
                    # Stuck waiting for the socket to drain: cancelling it frees the socket's
                    # one drain slot for the close frame, whose timeout then ends the connection.
                    self.writing.cancel()
                self.hub.spawn(self._hard_close(code))
            self.queue.put_nowait(None)  # wake the writer so it closes

    def _drop_queued(self) -> None:
        while not self.queue.empty():
            if isinstance(dropped := self.queue.get_nowait(), _Rest):
                dropped.abandon()
        self.queued = 0

    async def _hard_close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code)

    def send_event(self, sub: Subscription, event: Published, encode: Encoder | None) -> None:
        """The frame for this socket's viewer (`encode`: the event's frames, from the dispatch
        loop; None for a replayed one), straight onto the wire while nothing waits ahead."""
        text, wire = (encode or self.hub.frames.encoder(event))(self.viewer_for(sub))
        if (
            self.flowing  # nothing waiting ahead of it: the order is kept
            and self.closing is None
            and self.protocol is not None
            and write_now(self.protocol, wire)
        ):
            return
        self.put_raw(text)

    def send_resync(self, sub: Subscription) -> None:
        self.put({"type": "subscribed", "channel": sub.channel, "recovered": False})

    def viewer_for(self, sub: Subscription) -> Viewer:
        return self.viewer

    def error(self, code: str, message: str, channel: str | None = None) -> None:
        frame: Error = {"type": "error", "code": code, "message": message}
        if channel:
            frame["channel"] = channel
        self.put(frame)

    async def writer(self) -> None:
        try:
            while (frame := await self.queue.get()) is not None:
                if isinstance(frame, _Rest):
                    await frame
                else:
                    self.queued -= len(frame)
                    await self.ws.send_text(frame)
                if self.queue.empty() and self.closing is None:
                    self.flowing = True
        except (WebSocketDisconnect, RuntimeError):
            return  # the peer went away, or a hard close (a stuck reader) is under way
        finally:
            self._drop_queued()  # a send left half done is ended, not left to the collector
        if self.ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.ws.close(self.closing or 1000)

    # -- receiving ----------------------------------------------------------------------------
    def _allow_frame(self) -> bool:
        now = time.monotonic()
        self._tokens = min(BURST, self._tokens + (now - self._refilled) * RATE)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self._excess += 1
        if self._excess > 200:
            self.close(CLOSE_ABUSE)
        return False

    async def handle(self, raw: str) -> None:
        if not self._allow_frame():
            self.error("rate_limited", "too many frames; slow down")
            return
        if len(raw) > MAX_FRAME:
            self.error("bad_request", "frame too large")
            return
        try:
            frame = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            self.error("bad_request", "frames must be JSON objects")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            self.error("bad_request", "frames must be JSON objects with a type")
            return
        kind: str = frame["type"]
        channel: object = frame.get("channel")
        if kind == "ping":
            self.put({"type": "pong"})
        elif kind == "subscribe":
            await self.subscribe(channel, frame.get("since"))
        elif kind == "unsubscribe":
            await self.unsubscribe(channel)
        elif kind == "typing":
            await self.typing(channel)
        else:
            self.error("bad_request", f"unknown frame type {kind!r}"[:100])

    async def subscribe(self, channel: object, since: object) -> None:
        if not await self.hub.credential_alive(self):  # signed out since the handshake (S9)
            self.close(CLOSE_REVOKED)
            return
        if since is not None:
            try:
                if not isinstance(since, str) or not since.isascii():
                    raise ValueError
                parse_id(since)
            except ValueError:
                self.error("bad_request", "since must be an event id or null", _name(channel))
                return
        if not isinstance(channel, str):  # as authorize would refuse it
            self.error("bad_request", "unknown channel name")
            return
        try:
            grant, principal = await authorize(self.hub.runtime, self.visitor.user_id, channel)
        except Refused as refused:
            self.error(refused.code, refused.message, _name(channel))
            return
        self.viewer = Viewer(self.visitor.user_id, self.visitor.language, principal)
        previous = self.subs.get(channel)
        if previous is not None:
            # Subscribing again on this socket: what the old subscription sent is already queued
            # ahead of the new `subscribed`, so continue after it instead of sending it twice (R5).
            if since is not None and previous.last_id is not None:
                since = max(since, previous.last_id, key=parse_id)
            await self.unsubscribe(channel, quiet=True)
        if len(self.subs) >= MAX_CHANNELS:
            self.error("bad_request", "too many subscriptions on one socket", channel)
            return
        sub = Subscription(client=self, channel=channel)
        self.subs[channel] = sub
        self.grants[channel] = grant
        self.hub.manager.add(sub)  # buffering live events from here on
        recovered = True
        replay: list[Published] = []
        if since is not None:
            recovered, replay = await self.hub.bus.history(channel, since)
            sub.resume_after(since)
        self.put({"type": "subscribed", "channel": channel, "recovered": recovered})
        for event in replay:
            await self.hub.manager.prepare(event)
        sub.go_live(replay)
        if channels.kind(channel) == channels.THREAD:
            if self.visitor.user_id is not None:
                await presence.join(self.hub, channel, self.visitor)
            # Who is here now, named in this reader's script.
            self.put_raw(await self.hub.presence_frame(channel, self.visitor.language))

    async def unsubscribe(self, channel: object, quiet: bool = False) -> None:
        sub = self.subs.pop(channel, None) if isinstance(channel, str) else None
        if sub is None:
            if not quiet:
                self.error("bad_request", "not subscribed", _name(channel))
            return
        self.grants.pop(sub.channel, None)
        self.hub.manager.remove(sub)
        if channels.kind(sub.channel) == channels.THREAD and self.visitor.user_id is not None:
            await presence.leave(self.hub, sub.channel, self.visitor, self)

    async def typing(self, channel: object) -> None:
        grant = self.grants.get(channel) if isinstance(channel, str) else None
        if grant is None:
            self.error("bad_request", "subscribe to the channel first", _name(channel))
            return
        if not grant.may_post or self.visitor.user_id is None:
            return  # typing authorises nothing; readers who cannot post simply are not shown
        now = time.monotonic()
        if now - self._typed.get(grant.channel, 0.0) < TYPING_EVERY:
            return
        self._typed[grant.channel] = now
        await presence.typing(self.hub, grant.channel, self.visitor)

    async def recheck(self) -> None:
        """Membership changed: drop subscriptions the user may no longer read (R8)."""
        for channel in list(self.subs):
            try:
                grant, principal = await authorize(self.hub.runtime, self.visitor.user_id, channel)
            except Refused as refused:
                await self.unsubscribe(channel, quiet=True)
                self.error(refused.code, "you may no longer read this channel", channel)
                continue
            self.grants[channel] = grant
            self.viewer = Viewer(self.visitor.user_id, self.visitor.language, principal)

    async def cleanup(self) -> None:
        for channel in list(self.subs):
            await self.unsubscribe(channel, quiet=True)


def _name(channel: object) -> str | None:
    """The channel to name in an error frame: only one that could be a channel's name (a lone
    surrogate echoed back could not even be encoded, and the send would close the socket)."""
    if isinstance(channel, str) and len(channel) <= 100 and channel.isascii():
        return channel if channel.isprintable() else None
    return None


async def endpoint(ws: WebSocket) -> None:
    hub: Realtime = ws.app.state.realtime
    found: Visitor = ws.scope["state"]["visitor"]  # resolved by the app's VisitorMiddleware
    if not hub.origin_allowed(ws):
        await ws.close(code=1008)  # before accept: the handshake is refused with 403 (S3)
        return
    await ws.accept()
    client = Client(ws, hub, found)
    hub.clients.add(client)
    OPEN.inc()
    writer = client.writing = asyncio.create_task(client.writer())
    try:
        while client.closing is None:
            reader = asyncio.ensure_future(ws.receive())
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            if writer in done:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await reader
                break
            message = reader.result()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                client.error("bad_request", "frames must be JSON text, not binary")
                continue
            try:
                await client.handle(text)
            except Exception:  # a fault of ours answers this frame only; the socket stays open
                log.exception("handling a frame failed")
                client.error("server_error", "the frame could not be handled; try again")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        OPEN.dec()
        hub.clients.discard(client)
        await client.cleanup()
        if not writer.done():
            client.close(client.closing or 1000)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, timeout=5)
            writer.cancel()
