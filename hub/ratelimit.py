"""Fixed-window counters in Redis: how many times a key was hit in its current window."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from redis.asyncio import Redis
from redis.commands.core import AsyncScript


async def blocked_for(redis: Redis, key: str, limit: int) -> int:
    """Seconds until `key` may be tried again, or 0 when it is under its limit."""
    count = await redis.get(f"rl:{key}")
    if count is None or int(count) < limit:
        return 0
    ttl = int(await redis.ttl(f"rl:{key}"))
    return max(ttl, 1)


async def hit(redis: Redis, key: str, window_seconds: int) -> int:
    """Count one hit; the window starts with the first hit and lasts `window_seconds`."""
    # SET NX EX then INCR (which keeps the TTL), not EXPIRE NX: that needs Redis 7 and the
    # embedded Redis is 6.2.
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(f"rl:{key}", 0, ex=window_seconds, nx=True)
        pipe.incr(f"rl:{key}")
        _, count = await pipe.execute()
    return int(count)


async def clear(redis: Redis, key: str) -> None:
    await redis.delete(f"rl:{key}")


# take(): the window started if need be, the hit counted, and the wait if over the limit, in
# one command (a script runs whole, as MULTI would, with one answer instead of five).
_TAKE = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
if count <= tonumber(ARGV[2]) then return 0 end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl
"""


async def take(redis: Redis, key: str, limit: int, window_seconds: int) -> int:
    """Count one hit and say whether it was over the limit, in one round trip: 0 when it was
    within `limit`, else the seconds until the window ends. A refused hit is counted too, which
    changes nothing: the window's end stays where its first hit put it."""
    take_ = _take_scripts.get(redis)
    if take_ is None:  # EVALSHA, and the script loaded once where Redis lacks it
        take_ = _take_scripts[redis] = redis.register_script(_TAKE)
    return int(await take_(keys=[f"rl:{key}"], args=[window_seconds, limit]))


_take_scripts: WeakKeyDictionary[Redis, AsyncScript] = WeakKeyDictionary()
