"""The event bus on Redis: a bounded Stream of history per channel plus one pub/sub doorbell.

Publishing runs one Lua script, so appending to the channel's history and ringing the doorbell
happen in one step (R4): there is no announced event without history, nor the reverse. Each
announcement carries the id of the channel's previous event, so a listener that missed a
message (pub/sub drops them on disconnect) notices the jump and reads the gap from the stream.

Retention: the newest HISTORY_MAX events of a channel, and a channel's history expires
HISTORY_TTL seconds after its last event. Nothing here imports Starlette: workers publish too.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from hub.events import Event

PREFIX = "hub:rt"
HISTORY_MAX = 2000
HISTORY_TTL = 48 * 3600
DEDUPE_TTL = 24 * 3600

_PUBLISH = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[5]) == false then return false end
local prev = redis.call('GET', KEYS[3]) or ''
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[2], 'prev', prev)
redis.call('SET', KEYS[3], id, 'EX', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[3], cjson.encode({c = ARGV[6], id = id, prev = prev, p = ARGV[2]}))
return id
"""


def pubsub_channel(redis: Redis, name: str) -> str:
    """A pub/sub channel of this Redis database. Keys live in a database, but pub/sub is
    server-wide: hubs sharing a Redis server on different database numbers must not hear
    each other's events (they would reach the wrong people on the other hub)."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"{PREFIX}:{db}:{name}"


def stream_key(channel: str) -> str:
    return f"{PREFIX}:stream:{channel}"


def _last_key(channel: str) -> str:
    return f"{PREFIX}:last:{channel}"


def _dedupe_key(uid: str) -> str:
    return f"{PREFIX}:uid:{uid}"


def parse_id(event_id: str) -> tuple[int, int]:
    """Stream ids ("1700000000000-3") as comparable tuples; ValueError if malformed."""
    ms, _, seq = event_id.partition("-")
    if not ms.isdigit() or not seq.isdigit() or len(event_id) > 40:
        raise ValueError(f"not an event id: {event_id!r}")
    return int(ms), int(seq)


@dataclass(frozen=True)
class Published:
    """An event as it travels from the stream or the doorbell to sockets."""

    channel: str
    id: str
    type: str
    data: dict[str, Any]
    audience: tuple[int, ...] = ()
    prev: str = ""
    # The id parsed once: every socket's subscription compares it (R1, R5).
    key: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", parse_id(self.id))

    @classmethod
    def from_payload(cls, channel: str, event_id: str, payload: str, prev: str = "") -> Published:
        body = json.loads(payload)
        return cls(
            channel=channel,
            id=event_id,
            type=body["t"],
            data=body["d"],
            audience=tuple(body.get("a", ())),
            prev=prev,
        )


def _payload(event: Event) -> str:
    return json.dumps(
        {"t": event.type, "d": event.data, "a": list(event.audience)},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


class EventBus:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.doorbell = pubsub_channel(redis, "doorbell")
        self._script = redis.register_script(_PUBLISH)

    async def publish(self, events: Sequence[Event]) -> list[str | None]:
        """Append each event to its channel's history and ring the doorbell; ids in order.

        An event whose uid was already published returns None (published once, whoever tries).
        """
        calls = []
        for event in events:
            uid = event.uid or ""
            keys = [stream_key(event.channel), _dedupe_key(uid or "-"), _last_key(event.channel)]
            dedupe_ttl = DEDUPE_TTL
            if not uid:  # events with no outbox row (tests, tools) skip de-duplication
                keys[1] = _dedupe_key("anon:" + secrets.token_hex(12))
                dedupe_ttl = 1
            args: list[str | int] = [HISTORY_MAX, _payload(event), self.doorbell]
            args += [HISTORY_TTL, dedupe_ttl, event.channel]
            calls.append((keys, args))
        if len(calls) == 1:
            results = [await self._script(keys=calls[0][0], args=calls[0][1])]
        else:  # one round trip for a change's events, still run one after another, in order
            results = await self._pipelined(calls)
        return [str(result) if result else None for result in results]

    async def _pipelined(self, calls: list[tuple[list[str], list[str | int]]]) -> list[Any]:
        """The script once per call in one pipeline, by its digest: a pipeline of registered
        scripts would first ask the server whether it has them, one more round trip each time.
        If the server has lost it (a restart, SCRIPT FLUSH) no call ran; it is loaded and the
        pipeline sent again (and each event's uid publishes it once anyway)."""

        def pipeline() -> Any:
            pipe = self.redis.pipeline(transaction=False)
            for keys, args in calls:
                pipe.evalsha(self._script.sha, len(keys), *keys, *map(str, args))
            return pipe

        try:
            return list(await pipeline().execute())
        except NoScriptError:
            await self.redis.script_load(_PUBLISH)
        return list(await pipeline().execute())

    async def history(
        self, channel: str, after: str, count: int = HISTORY_MAX
    ) -> tuple[bool, list[Published]]:
        """Events after `after` and whether history still reaches back to it.

        Recovered means `after` is still in the stream (or it is the newest id the channel ever
        had): then every later event is here. Otherwise some may have been trimmed or lost.
        """
        key = stream_key(channel)
        first = await self.redis.xrange(key, "-", "+", count=1)
        last_known = await self.redis.get(_last_key(channel))
        if not first:
            return (last_known == after), []
        first_id = first[0][0]
        if parse_id(after) < parse_id(first_id):
            return False, []
        entries = await self.redis.xrange(key, f"({after}", "+", count=count)
        present = await self.redis.xrange(key, after, after, count=1)
        recovered = bool(present) or (
            last_known is not None and parse_id(after) >= parse_id(last_known)
        )
        return recovered, [
            Published.from_payload(channel, i, f["p"], f.get("prev", "")) for i, f in entries
        ]

    async def between(self, channel: str, after: str, upto: str) -> list[Published]:
        """Events with after < id < upto (a gap the doorbell skipped)."""
        entries = await self.redis.xrange(stream_key(channel), f"({after}", f"({upto}")
        return [Published.from_payload(channel, i, f["p"], f.get("prev", "")) for i, f in entries]

    async def last_id(self, channel: str) -> str | None:
        """The channel's newest event id: pages embed it so clients resume from there (R9)."""
        value = await self.redis.get(_last_key(channel))
        return str(value) if value else None

    async def first_id(self, channel: str) -> str | None:
        first = await self.redis.xrange(stream_key(channel), "-", "+", count=1)
        return str(first[0][0]) if first else None
