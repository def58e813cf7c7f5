"""realtime.socket.Client's sending, against a stand-in socket whose buffer can be made full.

The real sockets are in test_realtime.py (R7 among them); here each case is made on purpose:
a send that completes at once, one that must wait, a close while it waits, a send that fails.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from starlette.websockets import WebSocketState

from hub.permissions import ANONYMOUS
from realtime.socket import Client


class Socket:
    """Takes frames at once while `room` is set, else makes the sender wait for it."""

    def __init__(self) -> None:
        self.room = asyncio.Event()
        self.room.set()
        self.sent: list[str] = []
        self.waiting = 0
        self.cancelled = 0
        self.closed: int | None = None
        self.application_state = WebSocketState.CONNECTED
        self.fail: Exception | None = None
        self.scope: dict[str, Any] = {}  # no server protocol to write to: the queued path

    async def send_text(self, frame: str) -> None:
        if self.fail is not None:
            raise self.fail
        if not self.room.is_set():
            self.waiting += 1
            try:
                await self.room.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        self.sent.append(frame)

    async def close(self, code: int = 1000) -> None:
        self.closed = code
        self.application_state = WebSocketState.DISCONNECTED


class Hub:
    anonymous = ANONYMOUS

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def client_on(ws: Socket) -> Client:
    client = Client(ws, Hub(), SimpleNamespace(user_id=None, language="sr-Latn"))
    client.writing = asyncio.create_task(client.writer())
    return client


async def settle(condition: Any) -> None:
    for _ in range(1000):  # the event loop's turns, bounded: no clock involved
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def test_frames_go_out_at_once_while_the_socket_has_room() -> None:
    ws = Socket()
    client = client_on(ws)
    for i in range(5):
        client.put_raw(f"f{i}")
        assert ws.sent[-1] == f"f{i}"  # written on the caller's turn: no task switch
    assert client.flowing and client.queue.empty()
    client.close(1000)
    await client.writing
    assert ws.closed == 1000


async def test_a_send_that_must_wait_keeps_the_order_of_everything_behind_it() -> None:
    ws = Socket()
    client = client_on(ws)
    client.put_raw("a")
    ws.room.clear()
    for frame in ("b", "c", "d"):
        client.put_raw(frame)
    assert ws.sent == ["a"] and not client.flowing and ws.waiting == 1
    assert client.queued == len("c") + len("d")  # "b" is in the socket already, waiting to drain
    ws.room.set()
    await settle(lambda: client.flowing)
    assert ws.sent == ["a", "b", "c", "d"] and client.queued == 0
    client.put_raw("e")
    assert ws.sent[-1] == "e"


async def test_closing_a_stuck_socket_ends_its_waiting_send_and_drops_the_rest() -> None:
    ws = Socket()
    client = client_on(ws)
    ws.room.clear()
    client.put_raw("stuck")
    client.put_raw("queued")
    await settle(lambda: client.queue.qsize() == 1)  # the writer has taken up the waiting send
    client.close(4008, now=True)
    writer = client.writing
    assert writer is not None
    await asyncio.wait({writer}, timeout=10)  # a bound for when it fails, not a wait
    assert writer.cancelled() and ws.cancelled == 1  # the drain it waited on is given up
    await settle(lambda: ws.closed == 4008)
    assert ws.sent == [] and client.queued == 0
    client.put_raw("after")
    assert ws.sent == []


async def test_a_send_that_fails_closes_that_socket_only() -> None:
    broken, fine = Socket(), Socket()
    broken.fail = AssertionError("another coroutine is draining this socket")
    clients = [client_on(broken), client_on(fine)]
    for client in clients:  # as the dispatcher does, one socket after another
        client.put_raw("event")
    assert clients[0].closing == 1011 and fine.sent == ["event"]
    await asyncio.wait({clients[0].writing}, timeout=10)
    assert broken.closed == 1011
    clients[1].close(1000)
