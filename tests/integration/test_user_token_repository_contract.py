"""One contract for every UserTokenRepository: memory, SQLite and PostgreSQL behave alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elenchos.application.ports import UnitOfWorkFactory
from elenchos.domain.tokens import TokenPurpose, UserToken, hash_token
from elenchos.domain.users import User

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=1)


async def stored_user(uow_factory: UnitOfWorkFactory) -> User:
    user = User.register("ada@example.com", "hash$1", NOW)
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def issue(
    uow_factory: UnitOfWorkFactory, user: User, purpose: TokenPurpose
) -> tuple[UserToken, str]:
    token, raw_token = UserToken.issue(user.id, purpose, NOW, TTL)
    async with uow_factory() as uow:
        await uow.tokens.add(token)
        await uow.commit()
    return token, raw_token


async def test_token_found_by_hash(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    token, raw_token = await issue(uow_factory, user, TokenPurpose.PASSWORD_RESET)

    async with uow_factory() as uow:
        found = await uow.tokens.get_by_hash(hash_token(raw_token))
        missing = await uow.tokens.get_by_hash(raw_token)

    assert found == token
    assert missing is None


async def test_mark_used_succeeds_once(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    token, raw_token = await issue(uow_factory, user, TokenPurpose.EMAIL_VERIFICATION)

    async with uow_factory() as uow:
        first = await uow.tokens.mark_used(token.id, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        second = await uow.tokens.mark_used(token.id, NOW)
        found = await uow.tokens.get_by_hash(hash_token(raw_token))

    assert first is True
    assert second is False
    assert found is not None
    assert found.used_at == NOW


async def test_delete_unused_keeps_used_and_other_purposes(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = await stored_user(uow_factory)
    used, used_raw = await issue(uow_factory, user, TokenPurpose.PASSWORD_RESET)
    _, unused_raw = await issue(uow_factory, user, TokenPurpose.PASSWORD_RESET)
    _, other_raw = await issue(uow_factory, user, TokenPurpose.EMAIL_VERIFICATION)
    async with uow_factory() as uow:
        await uow.tokens.mark_used(used.id, NOW)
        await uow.commit()

    async with uow_factory() as uow:
        await uow.tokens.delete_unused(user.id, TokenPurpose.PASSWORD_RESET)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.tokens.get_by_hash(hash_token(used_raw)) is not None
        assert await uow.tokens.get_by_hash(hash_token(unused_raw)) is None
        assert await uow.tokens.get_by_hash(hash_token(other_raw)) is not None


async def test_uncommitted_token_is_discarded(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    token, raw_token = UserToken.issue(user.id, TokenPurpose.PASSWORD_RESET, NOW, TTL)

    async with uow_factory() as uow:
        await uow.tokens.add(token)

    async with uow_factory() as uow:
        assert await uow.tokens.get_by_hash(hash_token(raw_token)) is None
