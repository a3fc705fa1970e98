"""A sliding-window rate limiter kept in the memory of one process."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from elenchos.application.ports import Clock
from elenchos.application.rate_limits import RateDecision

# Bounds the memory one client can make the limiter use by sending many
# distinct keys (addresses). Past the bound, idle keys are dropped first.
DEFAULT_MAX_KEYS = 100_000


class InProcessRateLimiter:
    """Allow at most `limit` hits per key within any `window`.

    NOTE: counts live in this process only, so N server processes allow up
    to N times the limit.
    """

    def __init__(
        self, limit: int, window: timedelta, clock: Clock, max_keys: int = DEFAULT_MAX_KEYS
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._max_keys = max_keys
        self._hits: dict[str, deque[datetime]] = {}

    async def hit(self, key: str) -> RateDecision:
        now = self._clock.now()
        hits = self._hits.get(key)
        if hits is None:
            self._make_room()
            hits = self._hits[key] = deque()
        self._drop_expired(hits, now)
        if len(hits) >= self._limit:
            wait = (hits[0] + self._window - now).total_seconds()
            return RateDecision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))
        hits.append(now)
        return RateDecision(allowed=True)

    async def undo_hit(self, key: str) -> None:
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    async def reset(self, key: str) -> None:
        self._hits.pop(key, None)

    def _drop_expired(self, hits: deque[datetime], now: datetime) -> None:
        while hits and hits[0] <= now - self._window:
            hits.popleft()

    def _make_room(self) -> None:
        if len(self._hits) < self._max_keys:
            return
        now = self._clock.now()
        for key in list(self._hits):
            self._drop_expired(self._hits[key], now)
            if not self._hits[key]:
                del self._hits[key]
        # Still full: forget the keys that were added first.
        while len(self._hits) >= self._max_keys:
            del self._hits[next(iter(self._hits))]
