"""One contract for every UserRepository: memory, SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from elenchos.application.ports import UnitOfWorkFactory
from elenchos.domain.errors import EmailAlreadyRegistered
from elenchos.domain.users import User, UserStatus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def new_user(email: str = "ada@example.com") -> User:
    return User.register(email, "hash$1", NOW, {"display_name": "Ada", "tags": ["a", "b"]})


async def store(uow_factory: UnitOfWorkFactory, user: User) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()


async def test_added_user_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    user = new_user("Ada@Example.com")

    await store(uow_factory, user)

    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        by_email = await uow.users.get_by_email("ada@example.com")
    assert loaded == user
    assert by_email == user
    assert loaded is not None and loaded.created_at.tzinfo is not None
    assert loaded.created_at == NOW
    assert loaded.profile == {"display_name": "Ada", "tags": ["a", "b"]}


async def test_missing_user_is_none(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.users.get(uuid.uuid4()) is None
        assert await uow.users.get_by_email("nobody@example.com") is None


async def test_leaving_without_commit_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    user = new_user()

    async with uow_factory() as uow:
        await uow.users.add(user)

    async with uow_factory() as uow:
        assert await uow.users.get(user.id) is None


async def test_error_inside_unit_of_work_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    user = new_user()

    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.users.add(user)
            raise RuntimeError("boom")

    async with uow_factory() as uow:
        assert await uow.users.get(user.id) is None


async def test_normalized_email_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_user("ada@example.com"))

    with pytest.raises(EmailAlreadyRegistered):
        async with uow_factory() as uow:
            await uow.users.add(new_user("ADA@example.com"))
            await uow.commit()

    async with uow_factory() as uow:
        user = await uow.users.get_by_email("ada@example.com")
    assert user is not None and user.email == "ada@example.com"


async def test_update_persists_changes(uow_factory: UnitOfWorkFactory) -> None:
    user = new_user()
    await store(uow_factory, user)
    later = NOW + timedelta(hours=1)

    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.mark_verified(later)
        loaded.update_profile(later, settings={"notify_on_sign_in": False})
        await uow.users.update(loaded)
        await uow.commit()

    async with uow_factory() as uow:
        reloaded = await uow.users.get(user.id)
    assert reloaded is not None
    assert reloaded.status is UserStatus.ACTIVE
    assert reloaded.email_verified_at == later
    assert reloaded.settings == {"notify_on_sign_in": False}
    assert reloaded.updated_at == later


async def test_uncommitted_update_is_invisible(uow_factory: UnitOfWorkFactory) -> None:
    user = new_user()
    await store(uow_factory, user)

    async with uow_factory() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.update_profile(NOW, profile={"display_name": "Changed"})
        await uow.users.update(loaded)

    async with uow_factory() as uow:
        reloaded = await uow.users.get(user.id)
    assert reloaded is not None and reloaded.display_name == "Ada"


async def test_unicode_profile_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    user = User.register("zoë@example.com", "hash$1", NOW, {"display_name": "Zoë 🚀 <b>"})

    await store(uow_factory, user)

    async with uow_factory() as uow:
        loaded = await uow.users.get_by_email("zoë@example.com")
    assert loaded is not None and loaded.display_name == "Zoë 🚀 <b>"
