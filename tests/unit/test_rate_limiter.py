"""The in-process sliding-window rate limiter and the mail request limits built on it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elenchos.adapters.memory import FixedClock
from elenchos.adapters.system.rate_limiter import InProcessRateLimiter
from elenchos.application.rate_limits import MailRequestLimits
from elenchos.domain.errors import RateLimited


async def test_limit_allows_then_rejects() -> None:
    limiter = InProcessRateLimiter(2, timedelta(minutes=1), FixedClock())

    decisions = [await limiter.hit("key") for _ in range(3)]

    assert [decision.allowed for decision in decisions] == [True, True, False]
    assert decisions[2].retry_after_seconds == 60


async def test_window_slides() -> None:
    clock = FixedClock()
    limiter = InProcessRateLimiter(2, timedelta(minutes=1), clock)
    await limiter.hit("key")
    clock.advance(timedelta(seconds=40))
    await limiter.hit("key")

    clock.advance(timedelta(seconds=20))
    third = await limiter.hit("key")
    fourth = await limiter.hit("key")

    assert third.allowed
    assert not fourth.allowed
    assert fourth.retry_after_seconds == 40


async def test_keys_are_counted_apart() -> None:
    limiter = InProcessRateLimiter(1, timedelta(minutes=1), FixedClock())

    first = await limiter.hit("a")
    second = await limiter.hit("b")

    assert first.allowed
    assert second.allowed


async def test_key_count_stays_bounded() -> None:
    limiter = InProcessRateLimiter(1, timedelta(minutes=1), FixedClock(), max_keys=10)

    for index in range(100):
        await limiter.hit(f"key-{index}")

    assert len(limiter._hits) <= 10


async def test_client_over_limit_raises_with_retry_after() -> None:
    clock = FixedClock()
    limits = MailRequestLimits(
        "reset",
        by_ip=InProcessRateLimiter(1, timedelta(minutes=5), clock),
        by_address=InProcessRateLimiter(1, timedelta(minutes=5), clock),
    )
    await limits.check_client("192.0.2.1")

    with pytest.raises(RateLimited) as raised:
        await limits.check_client("192.0.2.1")

    assert raised.value.retry_after_seconds == 300


async def test_unknown_client_address_is_not_limited() -> None:
    clock = FixedClock()
    limits = MailRequestLimits(
        "reset",
        by_ip=InProcessRateLimiter(1, timedelta(minutes=5), clock),
        by_address=InProcessRateLimiter(1, timedelta(minutes=5), clock),
    )

    for _ in range(3):
        await limits.check_client(None)


async def test_address_over_limit_is_refused_quietly() -> None:
    clock = FixedClock()
    limits = MailRequestLimits(
        "reset",
        by_ip=InProcessRateLimiter(1, timedelta(minutes=5), clock),
        by_address=InProcessRateLimiter(2, timedelta(minutes=5), clock),
    )

    allowed = [await limits.address_allowed("ada@example.com") for _ in range(3)]

    assert allowed == [True, True, False]
