"""The rate limit half of the composition root: which storage keeps the counts, and the limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.sqlalchemy.rate_limiter import SqlRateLimiter
from elenchos.adapters.system.rate_limiter import InProcessRateLimiter
from elenchos.application.ports import Clock
from elenchos.application.rate_limits import ObservedRateLimiter, RateLimiter
from elenchos.application.sign_in_limits import SignInLimits
from elenchos.config import ConfigurationError, Settings
from elenchos.observability.metrics import Metrics

logger = logging.getLogger(__name__)

INVITATION_WINDOW = timedelta(hours=1)


class RateLimiterFactory:
    """Build named limiters on one storage: Redis when configured, else the database.

    Without a database engine (tests and embedders that pass their own unit
    of work) the counts stay in this process.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        metrics: Metrics,
        engine: AsyncEngine | None,
    ) -> None:
        self._clock = clock
        self._metrics = metrics
        self._engine = engine
        self._redis: Any = None
        if settings.redis_url is not None:
            self._redis = _redis_client(settings.redis_url.get_secret_value())
            self.storage = "redis"
        elif engine is not None:
            self.storage = "database"
        else:
            self.storage = "process"
        logger.info("rate limit counts kept in: %s", self.storage)

    def __call__(self, name: str, limit: int, window: timedelta) -> RateLimiter:
        """Return a limiter whose keys are apart from those of limiters with other names."""
        inner: RateLimiter
        if self._redis is not None:
            from elenchos.adapters.redis.rate_limiter import RedisRateLimiter

            inner = RedisRateLimiter(self._redis, name, limit, window, self._clock)
        elif self._engine is not None:
            inner = SqlRateLimiter(self._engine, name, limit, window, self._clock)
        else:
            inner = InProcessRateLimiter(limit, window, self._clock)
        return ObservedRateLimiter(inner, name, self._count_rejection)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            logger.info("redis client closed")

    def _count_rejection(self, name: str) -> None:
        self._metrics.rate_limited.labels(limit=name).inc()


def _redis_client(url: str) -> Any:
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ConfigurationError(
            "ELENCHOS_REDIS_URL is set but the redis package is missing: "
            "pip install 'elenchos[redis]'."
        ) from exc
    return redis.asyncio.from_url(url)


@dataclass(frozen=True, slots=True)
class AbuseLimits:
    """The limits that do not mail anyone: failed sign-ins and invitation sends."""

    sign_in: SignInLimits
    invitations: RateLimiter


def build_abuse_limits(settings: Settings, limiters: RateLimiterFactory) -> AbuseLimits:
    window = timedelta(seconds=settings.sign_in_failure_window_seconds)
    return AbuseLimits(
        sign_in=SignInLimits(
            by_account=limiters("sign_in_account", settings.sign_in_failures_per_account, window),
            by_ip=limiters("sign_in_ip", settings.sign_in_failures_per_ip, window),
        ),
        invitations=limiters(
            "invitations_per_organisation",
            settings.invitations_per_organisation,
            INVITATION_WINDOW,
        ),
    )
