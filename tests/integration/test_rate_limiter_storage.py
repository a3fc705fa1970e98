"""Every RateLimiter adapter: windows, clearing, undo and reset, on each storage.

The in-process, SQLite, PostgreSQL and Redis limiters run the same cases with
a FixedClock, so windows are moved by hand and nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from elenchos.adapters.memory import FixedClock
from elenchos.adapters.sqlalchemy import tables
from elenchos.adapters.sqlalchemy.engine import create_engine
from elenchos.adapters.sqlalchemy.rate_limiter import SqlRateLimiter
from elenchos.adapters.system.rate_limiter import InProcessRateLimiter
from elenchos.application.rate_limits import RateLimiter
from tests.conftest import empty_tables
from tests.support.redis import running_redis

WINDOW = timedelta(minutes=15)
MakeLimiter = Callable[[str, int], RateLimiter]

STORAGES = [
    "process",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    "redis",
]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        if url is None:
            pytest.skip("redis-server is not installed; apt-get install redis-server to run")
        yield url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(storage, URL); a sync fixture, so it can look the URL fixture up by name."""
    name: str = request.param
    if name == "process":
        return name, None
    url: str = request.getfixturevalue(f"{name}_url")
    return name, url


@pytest.fixture
async def make_limiter(
    storage: tuple[str, str | None], clock: FixedClock
) -> AsyncIterator[MakeLimiter]:
    """A function making limiters (name, limit) on one storage, emptied first."""
    name, url = storage
    if url is None:
        yield lambda key_space, limit: InProcessRateLimiter(limit, WINDOW, clock)
        return
    if name == "redis":
        import redis.asyncio

        client = redis.asyncio.from_url(url)
        await client.flushdb()
        yield lambda key_space, limit: _redis_limiter(client, key_space, limit, clock)
        await client.aclose()
        return
    await empty_tables(url)
    engine = create_engine(url)
    yield lambda key_space, limit: SqlRateLimiter(engine, key_space, limit, WINDOW, clock)
    await engine.dispose()


def _redis_limiter(client: object, name: str, limit: int, clock: FixedClock) -> RateLimiter:
    from elenchos.adapters.redis.rate_limiter import RedisRateLimiter

    return RedisRateLimiter(client, name, limit, WINDOW, clock)


async def test_limit_allows_then_rejects(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter("sign_in", 2)

    decisions = [await limiter.hit("ada") for _ in range(3)]

    assert [decision.allowed for decision in decisions] == [True, True, False]
    assert decisions[2].retry_after_seconds == 900


async def test_window_clears_by_itself(make_limiter: MakeLimiter, clock: FixedClock) -> None:
    limiter = make_limiter("sign_in", 1)
    await limiter.hit("ada")
    clock.advance(timedelta(minutes=5))
    rejected = await limiter.hit("ada")

    clock.advance(WINDOW)
    after_window = await limiter.hit("ada")

    assert not rejected.allowed
    assert rejected.retry_after_seconds == 600
    assert after_window.allowed


async def test_keys_and_names_are_counted_apart(make_limiter: MakeLimiter) -> None:
    accounts = make_limiter("accounts", 1)
    addresses = make_limiter("addresses", 1)
    await accounts.hit("ada")

    other_key = await accounts.hit("grace")
    other_name = await addresses.hit("ada")

    assert other_key.allowed
    assert other_name.allowed


async def test_reset_forgets_every_hit(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter("sign_in", 1)
    await limiter.hit("ada")
    assert not (await limiter.hit("ada")).allowed

    await limiter.reset("ada")

    assert (await limiter.hit("ada")).allowed


async def test_undo_hit_takes_one_back(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter("sign_in", 2)
    await limiter.hit("ada")
    await limiter.hit("ada")

    await limiter.undo_hit("ada")

    assert (await limiter.hit("ada")).allowed
    assert not (await limiter.hit("ada")).allowed


async def test_undo_hit_of_unknown_key_does_nothing(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter("sign_in", 1)

    await limiter.undo_hit("nobody")

    assert (await limiter.hit("nobody")).allowed


async def test_sql_key_is_a_digest(database_url: str, clock: FixedClock) -> None:
    engine = create_engine(database_url)
    try:
        limiter = SqlRateLimiter(engine, "sign_in", 3, WINDOW, clock)

        await limiter.hit("ada@example.com")

        async with engine.connect() as connection:
            keys = (await connection.execute(sa.select(tables.rate_limit_counters.c.key))).all()
    finally:
        await engine.dispose()
    assert len(keys) == 1
    assert "ada" not in keys[0].key
    assert len(keys[0].key) == 64


@pytest.mark.postgres
async def test_concurrent_hits_on_postgres_lose_no_count(
    postgres_url: str, clock: FixedClock
) -> None:
    first_engine, second_engine = create_engine(postgres_url), create_engine(postgres_url)
    try:
        async with first_engine.begin() as connection:
            await connection.execute(sa.delete(tables.rate_limit_counters))
        replicas = [
            SqlRateLimiter(engine, "sign_in", 10, WINDOW, clock)
            for engine in (first_engine, second_engine)
        ]

        decisions = await asyncio.gather(
            *(replicas[index % 2].hit("ada") for index in range(30))
        )
    finally:
        await first_engine.dispose()
        await second_engine.dispose()

    assert sum(decision.allowed for decision in decisions) == 10


def test_redis_fixture_uses_loopback(tmp_path: Path) -> None:
    with running_redis(tmp_path) as url:
        if url is None:
            pytest.skip("redis-server is not installed")
        assert url.startswith("redis://127.0.0.1:")


async def test_factory_uses_redis_when_configured(redis_url: str, tmp_path: Path) -> None:
    from elenchos.bootstrap_limits import RateLimiterFactory
    from elenchos.config import Settings
    from elenchos.observability.metrics import Metrics

    settings = Settings(_env_file=None, data_dir=tmp_path, redis_url=redis_url)  # type: ignore[call-arg]
    metrics = Metrics()
    factory = RateLimiterFactory(settings, FixedClock(), metrics, None)
    try:
        limiter = factory("factory_test", 1, WINDOW)
        await limiter.reset("ada")
        await limiter.hit("ada")
        rejected = await limiter.hit("ada")
    finally:
        await factory.close()

    assert factory.storage == "redis"
    assert not rejected.allowed
    assert metrics.rate_limited.labels(limit="factory_test")._value.get() == 1
