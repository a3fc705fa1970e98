"""A rate limiter that keeps its counts in the database, so every replica reads the same ones."""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.sqlalchemy import tables
from elenchos.application.ports import Clock
from elenchos.application.rate_limits import RateDecision

logger = logging.getLogger(__name__)

_counters = tables.rate_limit_counters

# Every this many hits, a process deletes the rows of closed windows. Keys are
# hashed addresses and IPs, so without this the table only grows.
PURGE_EVERY_HITS = 1000


def counter_key(name: str, key: str) -> str:
    """Return the stored key: SHA-256 of the limiter name and the key, so no address is stored."""
    return hashlib.sha256(f"{name}\x00{key}".encode()).hexdigest()


class SqlRateLimiter:
    """Allow `limit` hits per key in a fixed window that opens at the key's first hit.

    Each hit is one INSERT ... ON CONFLICT DO UPDATE ... RETURNING in its own
    transaction, on PostgreSQL and SQLite alike, so concurrent hits from
    several replicas never lose a count. Do not call it inside an open unit of
    work on SQLite, which allows one writing transaction at a time.
    """

    def __init__(
        self, engine: AsyncEngine, name: str, limit: int, window: timedelta, clock: Clock
    ) -> None:
        self._engine = engine
        self._name = name
        self._limit = limit
        self._window = window
        self._clock = clock
        self._hits_since_purge = 0

    async def hit(self, key: str) -> RateDecision:
        now = self._clock.now()
        async with self._engine.begin() as connection:
            result = await connection.execute(self._count_statement(key, now))
            count, expires_at = result.one()
        await self._purge_now_and_then(now)
        if count <= self._limit:
            return RateDecision(allowed=True)
        wait = (expires_at - now).total_seconds()
        return RateDecision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))

    async def undo_hit(self, key: str) -> None:
        now = self._clock.now()
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(_counters)
                .where(
                    _counters.c.key == counter_key(self._name, key),
                    _counters.c.count > 0,
                    _counters.c.expires_at > now,
                )
                .values(count=_counters.c.count - 1)
            )

    async def reset(self, key: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.delete(_counters).where(_counters.c.key == counter_key(self._name, key))
            )

    def _count_statement(self, key: str, now: datetime) -> Any:
        insert = _dialect_insert(self._engine.dialect.name)(_counters).values(
            key=counter_key(self._name, key),
            window_start=now,
            count=1,
            expires_at=now + self._window,
        )
        # In the SET clause the columns hold the stored row's values, so a
        # closed window restarts at this hit and an open one counts it.
        closed = _counters.c.expires_at <= now
        return insert.on_conflict_do_update(
            index_elements=[_counters.c.key],
            set_={
                "count": sa.case((closed, 1), else_=_counters.c.count + 1),
                "window_start": sa.case(
                    (closed, insert.excluded.window_start), else_=_counters.c.window_start
                ),
                "expires_at": sa.case(
                    (closed, insert.excluded.expires_at), else_=_counters.c.expires_at
                ),
            },
        ).returning(_counters.c.count, _counters.c.expires_at)

    async def _purge_now_and_then(self, now: datetime) -> None:
        self._hits_since_purge += 1
        if self._hits_since_purge < PURGE_EVERY_HITS:
            return
        self._hits_since_purge = 0
        async with self._engine.begin() as connection:
            result = await connection.execute(
                sa.delete(_counters).where(_counters.c.expires_at <= now)
            )
        logger.info("rate limit counters purged: rows=%d", result.rowcount)


def _dialect_insert(dialect_name: str) -> Any:
    if dialect_name == "postgresql":
        return postgresql.insert
    if dialect_name == "sqlite":
        return sqlite.insert
    raise ValueError(
        f"The database rate limiter supports PostgreSQL and SQLite, not {dialect_name!r}."
    )
