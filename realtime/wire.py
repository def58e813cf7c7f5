"""Event frames written straight to a socket's transport, encoded once per event (not per socket).

Through ASGI, every socket's `send_text` encodes the same text to UTF-8 and frames it again,
and runs the server's send coroutine: most of the CPU of a fan-out to a thousand sockets. What
`websockets.broadcast` does instead is encode the frame once and write the same bytes to each
socket. `hub serve` runs uvicorn with `DirectProtocol`, the classic `websockets` protocol that
also puts itself into the connection's ASGI scope, so realtime.socket can do the same:
`write_now` writes the encoded frame when the send would have completed at once anyway (the
connection open, its buffer below the high-water mark, no extension such as compression), and
otherwise says no, and the frame takes the ASGI path (which waits, and is bounded: R7).

Under another server (or without the scope key) every frame takes the ASGI path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import Scope
from websockets.frames import Frame, Opcode
from websockets.protocol import State

if TYPE_CHECKING:  # importing it at run time imports the deprecated `websockets.legacy`
    from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol

SCOPE_KEY = "hub.ws_protocol"


def direct_protocol() -> type[WebSocketProtocol]:
    """uvicorn's classic `websockets` protocol, reachable from the app through the scope.

    Made on demand: importing uvicorn's protocol imports the deprecated `websockets.legacy`."""
    from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol  # lazy: see above

    class DirectProtocol(WebSocketProtocol):
        async def run_asgi(self) -> None:
            # A key of ours in the ASGI scope, which uvicorn types with the standard keys only.
            self.scope[SCOPE_KEY] = self  # type: ignore[literal-required]
            await super().run_asgi()

    return DirectProtocol


def encode_text(text: str) -> bytes:
    """A server's (unmasked, uncompressed) text frame of `text`, as it goes on the wire."""
    return Frame(Opcode.TEXT, text.encode(), fin=True).serialize(mask=False)


def protocol_of(scope: Scope) -> WebSocketProtocol | None:
    """The open connection's protocol object if the server is `DirectProtocol` and no
    extension (compression) was negotiated, which would change every frame; else None."""
    found: WebSocketProtocol | None = scope.get(SCOPE_KEY)
    return None if found is None or found.extensions else found


def write_now(protocol: WebSocketProtocol, wire: bytes) -> bool:
    """Write the frame if the protocol's own send would not have had to wait; else False.

    Run for every socket an event reaches, so it checks only what can change while the
    connection is open: its state, the transport's flow control and closing. (A fragmented
    message under way is not among them: the ASGI path sends every message in one frame.)"""
    transport = protocol.transport
    if (
        protocol.state is not State.OPEN
        or protocol._paused
        or transport.is_closing()
        or protocol.transfer_data_task.done()
    ):
        return False
    transport.write(wire)
    return True
