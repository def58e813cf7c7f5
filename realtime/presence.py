"""Who is reading a thread, and who is typing: best effort, Redis keys with TTLs, never stored
in the database, and authorising nothing (R10).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from hub import channels
from realtime.bus import PREFIX
from realtime.frames import Person

if TYPE_CHECKING:  # both import this module
    from realtime.service import Realtime
    from realtime.socket import Client, Visitor

TTL = 45  # seconds a presence entry lives without a refresh
REFRESH = 20  # how often connected sockets refresh their entries


def _key(channel: str) -> str:
    return f"{PREFIX}:presence:{channel}"


def _member(found: Visitor) -> str:
    return json.dumps({"id": found.user_id, "name": found.name}, ensure_ascii=False)


async def join(hub: Realtime, channel: str, found: Visitor) -> None:
    await hub.redis.zadd(_key(channel), {_member(found): time.time() + TTL})
    await hub.redis.expire(_key(channel), TTL * 2)
    await hub.manager.ring({"k": "presence", "c": channel})


async def leave(hub: Realtime, channel: str, found: Visitor, client: Client) -> None:
    # Another tab of the same person may still be reading the thread.
    still_here = any(
        c is not client and c.visitor.user_id == found.user_id and channel in c.subs
        for c in hub.clients
    )
    if not still_here:
        await hub.redis.zrem(_key(channel), _member(found))
        await hub.manager.ring({"k": "presence", "c": channel})


async def refresh(hub: Realtime) -> None:
    """Extend this instance's readers' entries (called every REFRESH seconds)."""
    entries: dict[str, dict[str, float]] = {}
    expiry = time.time() + TTL
    for client in list(hub.clients):
        if client.visitor.user_id is None:
            continue
        for channel in client.subs:
            if channels.kind(channel) == channels.THREAD:
                entries.setdefault(channel, {})[_member(client.visitor)] = expiry
    for channel, members in entries.items():
        await hub.redis.zadd(_key(channel), members)
        await hub.redis.expire(_key(channel), TTL * 2)


async def readers(hub: Realtime, channel: str) -> list[Person]:
    now = time.time()
    await hub.redis.zremrangebyscore(_key(channel), "-inf", now)
    raw = await hub.redis.zrangebyscore(_key(channel), now, "+inf")
    users: dict[int, Person] = {}
    for item in raw:
        try:
            entry = json.loads(item)
        except ValueError:
            continue
        users[int(entry["id"])] = Person(id=int(entry["id"]), name=str(entry["name"]))
    return sorted(users.values(), key=lambda u: u["name"])


async def typing(hub: Realtime, channel: str, found: Visitor) -> None:
    await hub.manager.ring(
        {"k": "typing", "c": channel, "u": {"id": found.user_id, "name": found.name}}
    )
