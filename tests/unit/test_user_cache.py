"""The /v1/me user cache: hits skip the database, entries expire, updates evict."""

from __future__ import annotations

from datetime import timedelta

from elenchos.adapters.memory import FixedClock, InMemoryUnitOfWorkFactory
from elenchos.application.accounts import GetCurrentUser, UpdateProfile
from elenchos.application.user_cache import UserCache
from elenchos.domain.users import User

TTL = timedelta(seconds=5)


async def stored_user(uow: InMemoryUnitOfWorkFactory, clock: FixedClock) -> User:
    user = User.register("ada@example.com", "hash$1", clock.now(), {"display_name": "Ada"})
    async with uow() as transaction:
        await transaction.users.add(user)
        await transaction.commit()
    return user


async def rename_elsewhere(uow: InMemoryUnitOfWorkFactory, user: User, name: str) -> None:
    """Change the row without going through this process's cache, like another replica."""
    async with uow() as transaction:
        loaded = await transaction.users.get(user.id)
        assert loaded is not None
        loaded.profile["display_name"] = name
        await transaction.users.update(loaded)
        await transaction.commit()


async def test_cached_user_served_within_ttl() -> None:
    uow, clock = InMemoryUnitOfWorkFactory(), FixedClock()
    user = await stored_user(uow, clock)
    get_user = GetCurrentUser(uow, clock, UserCache(TTL))
    await get_user(user.id)

    await rename_elsewhere(uow, user, "Changed elsewhere")
    clock.advance(TTL - timedelta(seconds=1))

    assert (await get_user(user.id)).display_name == "Ada"


async def test_cached_user_expires_after_ttl() -> None:
    uow, clock = InMemoryUnitOfWorkFactory(), FixedClock()
    user = await stored_user(uow, clock)
    get_user = GetCurrentUser(uow, clock, UserCache(TTL))
    await get_user(user.id)

    await rename_elsewhere(uow, user, "Changed elsewhere")
    clock.advance(TTL)

    assert (await get_user(user.id)).display_name == "Changed elsewhere"


async def test_update_profile_evicts_at_once() -> None:
    uow, clock = InMemoryUnitOfWorkFactory(), FixedClock()
    user = await stored_user(uow, clock)
    cache = UserCache(TTL)
    get_user = GetCurrentUser(uow, clock, cache)
    await get_user(user.id)

    await UpdateProfile(uow, clock, cache)(user.id, profile={"display_name": "Ada King"})

    assert (await get_user(user.id)).display_name == "Ada King"


def test_cache_is_bounded() -> None:
    clock = FixedClock()
    cache = UserCache(TTL, max_entries=2)
    users = [User.register(f"u{i}@example.com", "hash$1", clock.now()) for i in range(3)]

    for user in users:
        cache.store(user, clock.now())

    assert cache.get(users[0].id, clock.now()) is None
    assert cache.get(users[2].id, clock.now()) is users[2]


def test_zero_ttl_disables_cache() -> None:
    clock = FixedClock()
    cache = UserCache(timedelta(0))
    user = User.register("a@example.com", "hash$1", clock.now())

    cache.store(user, clock.now())

    assert cache.get(user.id, clock.now()) is None
