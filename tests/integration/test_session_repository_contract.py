"""One contract for every SessionRepository: memory, SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from elenchos.application.ports import UnitOfWorkFactory
from elenchos.domain.sessions import (
    RefreshToken,
    Session,
    SessionEndReason,
    SessionLifetime,
    seal_successor,
)
from elenchos.domain.tokens import hash_token
from elenchos.domain.users import User

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIFETIME = SessionLifetime(idle=timedelta(days=30), absolute=timedelta(days=90))


async def stored_user(uow_factory: UnitOfWorkFactory, email: str = "ada@example.com") -> User:
    user = User.register(email, "hash$1", NOW, verified=True)
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def started(
    uow_factory: UnitOfWorkFactory, user: User, at: datetime = NOW
) -> tuple[Session, RefreshToken, str]:
    session = Session.start(user.id, at, LIFETIME, ip_address="192.0.2.1", user_agent="Test/1")
    token, raw_token = RefreshToken.issue(session.id, at)
    async with uow_factory() as uow:
        await uow.sessions.add(session)
        await uow.sessions.add_refresh_token(token)
        await uow.commit()
    return session, token, raw_token


async def test_session_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    session, token, raw_token = await started(uow_factory, user)

    async with uow_factory() as uow:
        found = await uow.sessions.get(session.id)
        found_token = await uow.sessions.get_refresh_token_by_hash(hash_token(raw_token))
        by_id = await uow.sessions.get_refresh_token(token.id)
        missing = await uow.sessions.get_refresh_token_by_hash(raw_token)

    assert found == session
    assert found_token == token
    assert by_id == token
    assert missing is None


async def test_update_stores_use_and_organisation_not_revocation(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = await stored_user(uow_factory)
    session, _, _ = await started(uow_factory, user)
    later = NOW + timedelta(days=3)
    async with uow_factory() as uow:
        await uow.sessions.revoke(session.id, later, SessionEndReason.SIGNED_OUT)
        await uow.commit()

    session.touch(later, LIFETIME)
    async with uow_factory() as uow:
        await uow.sessions.update(session)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.sessions.get(session.id)
    assert found is not None
    assert found.last_used_at == later
    assert found.expires_at == later + LIFETIME.idle
    assert found.revoked_at == later
    assert found.revoked_reason is SessionEndReason.SIGNED_OUT


async def test_revoke_succeeds_once(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    session, _, _ = await started(uow_factory, user)

    async with uow_factory() as uow:
        first = await uow.sessions.revoke(session.id, NOW, SessionEndReason.REVOKED)
        await uow.commit()
    async with uow_factory() as uow:
        second = await uow.sessions.revoke(session.id, NOW, SessionEndReason.SIGNED_OUT)
        await uow.commit()
        found = await uow.sessions.get(session.id)

    assert first is True
    assert second is False
    assert found is not None
    assert found.revoked_reason is SessionEndReason.REVOKED


async def test_revoke_all_keeps_one_and_other_users(uow_factory: UnitOfWorkFactory) -> None:
    ada = await stored_user(uow_factory)
    grace = await stored_user(uow_factory, "grace@example.com")
    kept, _, _ = await started(uow_factory, ada)
    ended = [(await started(uow_factory, ada))[0] for _ in range(2)]
    foreign, _, _ = await started(uow_factory, grace)

    async with uow_factory() as uow:
        revoked = await uow.sessions.revoke_all(
            ada.id, NOW, SessionEndReason.PASSWORD_CHANGED, keep=kept.id
        )
        await uow.commit()

    assert sorted(revoked) == sorted(session.id for session in ended)
    async with uow_factory() as uow:
        active = await uow.sessions.list_active(ada.id, NOW)
        foreign_active = await uow.sessions.list_active(grace.id, NOW)
    assert [session.id for session in active] == [kept.id]
    assert [session.id for session in foreign_active] == [foreign.id]


async def test_list_active_skips_expired_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    old, _, _ = await started(uow_factory, user, NOW - timedelta(days=31))
    first, _, _ = await started(uow_factory, user, NOW - timedelta(hours=2))
    second, _, _ = await started(uow_factory, user, NOW - timedelta(hours=1))

    async with uow_factory() as uow:
        active = await uow.sessions.list_active(user.id, NOW)

    assert [session.id for session in active] == [second.id, first.id]
    assert old.id not in [session.id for session in active]


async def test_retire_refresh_token_succeeds_once(uow_factory: UnitOfWorkFactory) -> None:
    user = await stored_user(uow_factory)
    session, token, raw_token = await started(uow_factory, user)
    successor, successor_raw = RefreshToken.issue(session.id, NOW)
    sealed = seal_successor(raw_token, successor_raw)

    async with uow_factory() as uow:
        first = await uow.sessions.retire_refresh_token(token.id, NOW, successor.id, sealed)
        await uow.sessions.add_refresh_token(successor)
        await uow.commit()
    async with uow_factory() as uow:
        second = await uow.sessions.retire_refresh_token(token.id, NOW, uuid.uuid4(), b"x" * 32)
        found = await uow.sessions.get_refresh_token(token.id)

    assert first is True
    assert second is False
    assert found is not None
    assert found.retired_at == NOW
    assert found.successor_id == successor.id
    assert found.sealed_successor == sealed

