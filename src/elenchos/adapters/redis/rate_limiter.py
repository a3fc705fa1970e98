"""A rate limiter kept in Redis, for deployments that already run one."""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from typing import Any

from elenchos.application.ports import Clock
from elenchos.application.rate_limits import RateDecision

KEY_PREFIX = "elenchos:rate:"

# Window times come from the caller's clock, as in the database adapter, so
# tests can move time. PEXPIRE only lets Redis drop a closed window's key.
_HIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
if not expires or expires <= now then
  redis.call('HSET', KEYS[1], 'count', 1, 'expires_at', now + window)
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, now + window}
end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
return {count, expires}
"""

_UNDO_HIT = """
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
if expires and expires > tonumber(ARGV[1]) then
  if tonumber(redis.call('HGET', KEYS[1], 'count')) > 0 then
    redis.call('HINCRBY', KEYS[1], 'count', -1)
  end
end
return 0
"""


class RedisRateLimiter:
    """Allow `limit` hits per key in a fixed window that opens at the key's first hit.

    A Lua script reads, counts and sets the expiry in one atomic step, so
    replicas sharing the server never lose a count. Keys are SHA-256 digests,
    so no address is stored in clear.
    NOTE: window times come from each replica's clock, so replicas need
    synchronized clocks (NTP), as they do for token expiry anyway.
    """

    def __init__(
        self, client: Any, name: str, limit: int, window: timedelta, clock: Clock
    ) -> None:
        self._client = client
        self._name = name
        self._limit = limit
        self._window_ms = int(window.total_seconds() * 1000)
        self._clock = clock
        self._hit_script = client.register_script(_HIT)
        self._undo_script = client.register_script(_UNDO_HIT)

    async def hit(self, key: str) -> RateDecision:
        now_ms = self._now_ms()
        count, expires_ms = await self._hit_script(
            keys=[self._redis_key(key)], args=[now_ms, self._window_ms]
        )
        if int(count) <= self._limit:
            return RateDecision(allowed=True)
        wait_seconds = (int(expires_ms) - now_ms) / 1000
        return RateDecision(allowed=False, retry_after_seconds=max(1, math.ceil(wait_seconds)))

    async def undo_hit(self, key: str) -> None:
        await self._undo_script(keys=[self._redis_key(key)], args=[self._now_ms()])

    async def reset(self, key: str) -> None:
        await self._client.delete(self._redis_key(key))

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    def _redis_key(self, key: str) -> str:
        digest = hashlib.sha256(f"{self._name}\x00{key}".encode()).hexdigest()
        return KEY_PREFIX + digest
