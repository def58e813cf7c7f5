"""A small /ws test client over `websockets`: frames as dicts, in order, awaited with deadlines.

A background task reads every frame into `frames`; tests wait for conditions on them
(`wait`, `expect`) with a timeout instead of sleeping. `events(channel)` lists the event frames
of one channel in arrival order, which is what the ordering guarantees are checked on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Frame = dict[str, Any]
TIMEOUT = 20.0


def ws_url(http_url: str) -> str:
    return "ws" + http_url.removeprefix("http") + "/ws"


class Socket:
    def __init__(self, conn: ClientConnection, name: str = "") -> None:
        self.conn = conn
        self.name = name
        self.frames: list[Frame] = []
        self.close_code: int | None = None
        self.closed = False
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls, base_url: str, token: str | None = None, *, name: str = "", **kwargs: Any
    ) -> Socket:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn = await connect(
            ws_url(base_url),
            additional_headers=headers,
            open_timeout=TIMEOUT,
            ping_interval=None,  # the server pings; tests must not depend on client pings
            max_size=2**22,
            compression=None,  # per-socket deflate costs the servers CPU the tests do not need
            **kwargs,
        )
        return cls(conn, name)

    async def _read(self) -> None:
        try:
            async for message in self.conn:
                self.frames.append(json.loads(message))
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.conn.close_code
            self.closed = True
            self._changed.set()

    async def send(self, frame: Frame | str | bytes) -> None:
        await self.conn.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def wait(
        self, condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = ""
    ) -> Any:
        """Until condition() is truthy (returned), else fail naming `what` after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                tail = self.frames[-5:]
                raise AssertionError(
                    f"{self.name or 'socket'}: timed out waiting for {what or condition}; "
                    f"closed={self.closed} code={self.close_code}; last frames: {tail}"
                )
            self._changed.clear()
            if self.closed and not condition():
                raise AssertionError(
                    f"{self.name or 'socket'} closed ({self.close_code}) waiting for {what}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def expect(self, start: int = 0, timeout: float = TIMEOUT, **match: Any) -> Frame:
        """The first frame at index >= start whose fields equal `match`."""

        def found() -> Frame | None:
            for frame in self.frames[start:]:
                if all(frame.get(k) == v for k, v in match.items()):
                    return frame
            return None

        result: Frame = await self.wait(found, timeout, what=f"a frame like {match}")
        return result

    async def subscribe(self, channel: str, since: str | None = None) -> Frame:
        start = len(self.frames)
        await self.send({"type": "subscribe", "channel": channel, "since": since})
        return await self.expect_answer(start, channel)

    async def expect_answer(self, start: int, channel: str) -> Frame:
        """The `subscribed` or `error` frame answering a subscribe to `channel`."""

        def answer() -> Frame | None:
            for frame in self.frames[start:]:
                if frame.get("channel") == channel and frame["type"] in ("subscribed", "error"):
                    return frame
            return None

        result: Frame = await self.wait(answer, what=f"the answer to subscribing {channel}")
        return result

    async def ping(self) -> None:
        """A round trip: every frame the server queued for us before it is now in `frames`."""
        start = len(self.frames)
        await self.send({"type": "ping"})
        await self.expect(start, type="pong")

    def events(self, channel: str) -> list[Frame]:
        return [f for f in self.frames if f["type"] == "event" and f["channel"] == channel]

    def ids(self, channel: str) -> list[str]:
        return [f["id"] for f in self.events(channel)]

    def last_id(self, channel: str) -> str | None:
        ids = self.ids(channel)
        return ids[-1] if ids else None

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.conn.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


# -- a raw client that never reads --------------------------------------------------------------


def _masked(payload: bytes, opcode: int = 1) -> bytes:
    """One client frame (clients must mask); payload under 64 KiB."""
    mask = b"\x01\x02\x03\x04"
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Stalled:
    """A raw TCP WebSocket client with a tiny receive buffer that reads nothing after the
    handshake: the server's frames pile up until its bounded send queue overflows (R7)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    @classmethod
    def open(cls, base_url: str, token: str) -> Stalled:
        parts = urlsplit(base_url)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window
        sock.settimeout(TIMEOUT)
        sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
        request = (
            f"GET /ws HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
        )
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)  # byte by byte: leave every frame after the head unread
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        return cls(sock)

    def send(self, frame: Frame) -> None:
        self.sock.sendall(_masked(json.dumps(frame).encode()))

    def drain(self, timeout: float = TIMEOUT) -> tuple[bytes, bool]:
        """Read what the server sent; (bytes, True) once it sent a close frame or ended the
        connection, (bytes, False) if it is still open after `timeout` seconds without data."""
        self.sock.settimeout(timeout)
        data = bytearray()
        try:
            while chunk := self.sock.recv(1 << 16):
                data += chunk
                if close_code_in(bytes(data)) is not None:
                    break  # the server's close frame: it has dropped us
        except TimeoutError:
            return bytes(data), False
        except ConnectionResetError:
            pass
        return bytes(data), True

    def close(self) -> None:
        self.sock.close()


def close_code_in(data: bytes) -> int | None:
    """The code of a close frame (opcode 8) among server frames in `data`, if one arrived whole."""
    i = 0
    while i + 2 <= len(data):
        opcode, length = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if length == 126:
            length, i = int.from_bytes(data[i : i + 2], "big"), i + 2
        elif length == 127:
            length, i = int.from_bytes(data[i : i + 8], "big"), i + 8
        if opcode == 8 and length >= 2 and i + 2 <= len(data):
            return int.from_bytes(data[i : i + 2], "big")
        i += length
    return None
