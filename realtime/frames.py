"""The shapes of what realtime sends: frames to browsers, notices between instances.

Types only (docs/realtime.md): the frames are built as plain dicts and JSON-encoded where sent.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class Person(TypedDict):
    """Someone named in a presence or typing frame (names are put in the reader's script)."""

    id: int | None
    name: str


# -- frames to the browser --------------------------------------------------------------------
class Pong(TypedDict):
    type: Literal["pong"]


class Subscribed(TypedDict):
    type: Literal["subscribed"]
    channel: str
    recovered: bool  # False: the client missed events it cannot be sent, and reloads (R3)


class Error(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    channel: NotRequired[str]


class Typing(TypedDict):
    type: Literal["typing"]
    channel: str
    user: Person


class Presence(TypedDict):
    type: Literal["presence"]
    channel: str
    users: list[Person]


class EventFrame(TypedDict):
    type: Literal["event"]
    channel: str
    id: str
    event: str  # the event's type
    data: dict[str, Any]  # the event's data (JSON), with its rendered "partial" if it has one


Frame = Pong | Subscribed | Error | Typing | Presence | EventFrame


# -- notices between instances (Redis pub/sub, never stored: R10) -----------------------------
class Notice(TypedDict):
    """Someone joined or left a thread ("presence"), or is typing in it ("typing": with `u`)."""

    k: Literal["presence", "typing"]
    c: str  # the channel
    u: NotRequired[Person]
