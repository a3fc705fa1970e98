"""Sessions and refresh tokens on the in-memory adapters, with a clock moved by hand."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.memory import FixedClock
from elenchos.application.accounts import ClientInfo, SignInResult
from elenchos.application.administration import SetUserStatus
from elenchos.application.audit_ports import SecurityEventQuery
from elenchos.application.session_state import CheckSession, SessionStateCache
from elenchos.bootstrap import Container
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import (
    OrganisationNotFound,
    RefreshTokenInvalid,
    RefreshTokenReused,
    SessionEnded,
    SessionNotFound,
)
from elenchos.domain.sessions import (
    RefreshToken,
    Session,
    SessionEndReason,
    SessionLifetime,
    seal_successor,
    unseal_successor,
)
from elenchos.domain.tokens import hash_token
from elenchos.domain.users import UserStatus
from tests.support.mail import deliver, link_token, memory_container, only_mail_to

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"
ADA = "ada@example.com"
CLIENT = ClientInfo(ip_address="192.0.2.10", user_agent="TestBrowser/1.0")
DAY = timedelta(days=1)


@pytest.fixture
async def service(tmp_path: Path, signing_keys: KeyRing) -> AsyncIterator[Container]:
    container = await memory_container(
        tmp_path,
        signing_keys,
        session_idle_ttl_seconds=int(timedelta(days=30).total_seconds()),
        session_absolute_ttl_seconds=int(timedelta(days=90).total_seconds()),
        refresh_token_grace_seconds=10,
        session_cache_seconds=5,
    )
    yield container
    await container.close()


def clock_of(service: Container) -> FixedClock:
    assert isinstance(service.clock, FixedClock)
    return service.clock


async def signed_in(service: Container, email: str = ADA) -> SignInResult:
    async with service.uow() as uow:
        exists = await uow.users.get_by_email(email) is not None
    if not exists:
        await service.use_cases.sign_up(email, PASSWORD)
        async with service.uow() as uow:
            user = await uow.users.get_by_email(email)
            assert user is not None
            user.mark_verified(service.clock.now())
            await uow.users.update(user)
            await uow.commit()
    return await service.use_cases.sign_in(email, PASSWORD, CLIENT)


async def check(service: Container, result: SignInResult) -> None:
    await service.use_cases.sessions.check(result.user.id, result.session_id)


async def events(service: Container, user_id: uuid.UUID) -> list[SecurityEventType]:
    async with service.uow() as uow:
        found = await uow.audit.list_for_user(user_id, SecurityEventQuery(limit=100))
    return [event.type for event in found]


# Domain rules


def test_session_expiry_slides_within_absolute_maximum() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lifetime = SessionLifetime(idle=timedelta(days=30), absolute=timedelta(days=45))
    session = Session.start(uuid.uuid4(), start, lifetime)

    session.touch(start + timedelta(days=20), lifetime)

    assert session.expires_at == start + timedelta(days=45)
    assert session.is_active(start + timedelta(days=44))
    assert not session.is_active(start + timedelta(days=45))


def test_sealed_successor_opens_only_with_retired_token() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    _, raw_token = RefreshToken.issue(uuid.uuid4(), now)
    successor, successor_raw = RefreshToken.issue(uuid.uuid4(), now)
    _, other_raw = RefreshToken.issue(uuid.uuid4(), now)

    sealed = seal_successor(raw_token, successor_raw)

    assert successor_raw.encode() not in sealed
    assert unseal_successor(raw_token, sealed, successor.token_hash) == successor_raw
    assert unseal_successor(other_raw, sealed, successor.token_hash) is None
    assert unseal_successor(raw_token, sealed[:-1], successor.token_hash) is None


def test_refresh_token_is_256_bit_and_stored_hashed() -> None:
    token, raw_token = RefreshToken.issue(uuid.uuid4(), datetime(2026, 1, 1, tzinfo=UTC))

    assert len(raw_token) == 43
    assert token.token_hash == hash_token(raw_token)
    assert raw_token not in token.token_hash


# Sign-in and rotation


async def test_sign_in_starts_session_bound_to_access_token(service: Container) -> None:
    result = await signed_in(service)

    claims = service.tokens.verify_access_token(result.access_token.token)
    async with service.uow() as uow:
        session = await uow.sessions.get(result.session_id)
    assert claims.extra["sid"] == str(result.session_id)
    assert session is not None
    assert session.ip_address == CLIENT.ip_address
    assert session.user_agent == CLIENT.user_agent
    assert result.refresh_expires_in == int(timedelta(days=30).total_seconds())


async def test_refresh_rotates_token(service: Container) -> None:
    result = await signed_in(service)

    rotated = await service.use_cases.sessions.refresh(result.refresh_token)

    assert rotated.refresh_token != result.refresh_token
    assert rotated.session_id == result.session_id
    claims = service.tokens.verify_access_token(rotated.access_token.token)
    assert claims.extra["sid"] == str(result.session_id)
    again = await service.use_cases.sessions.refresh(rotated.refresh_token)
    assert again.refresh_token not in (result.refresh_token, rotated.refresh_token)


async def test_unknown_refresh_token_rejected(service: Container) -> None:
    await signed_in(service)

    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh("not-a-token")
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh("x" * 1000)


async def test_retry_within_grace_returns_same_successor(service: Container) -> None:
    result = await signed_in(service)
    first = await service.use_cases.sessions.refresh(result.refresh_token)
    clock_of(service).advance(timedelta(seconds=9))

    retry = await service.use_cases.sessions.refresh(result.refresh_token)

    assert retry.refresh_token == first.refresh_token
    assert retry.session_id == first.session_id
    await check(service, result)
    later = await service.use_cases.sessions.refresh(first.refresh_token)
    assert later.refresh_token != first.refresh_token


async def test_replay_after_grace_revokes_session(service: Container) -> None:
    result = await signed_in(service)
    owner = await service.use_cases.sessions.refresh(result.refresh_token)
    clock_of(service).advance(timedelta(seconds=11))

    with pytest.raises(RefreshTokenReused):
        await service.use_cases.sessions.refresh(result.refresh_token)

    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(owner.refresh_token)
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(result.refresh_token)
    with pytest.raises(SessionEnded):
        await check(service, result)
    async with service.uow() as uow:
        session = await uow.sessions.get(result.session_id)
    assert session is not None
    assert session.revoked_reason is SessionEndReason.REFRESH_TOKEN_REUSED
    assert SecurityEventType.REFRESH_TOKEN_REUSE_DETECTED in await events(service, result.user.id)


async def test_retry_after_successor_rotated_counts_as_reuse(service: Container) -> None:
    result = await signed_in(service)
    first = await service.use_cases.sessions.refresh(result.refresh_token)
    await service.use_cases.sessions.refresh(first.refresh_token)

    with pytest.raises(RefreshTokenReused):
        await service.use_cases.sessions.refresh(result.refresh_token)


async def test_refresh_slides_idle_expiry(service: Container) -> None:
    result = await signed_in(service)
    token = result.refresh_token

    for _ in range(3):
        clock_of(service).advance(25 * DAY)
        token = (await service.use_cases.sessions.refresh(token)).refresh_token

    await check(service, result)
    clock_of(service).advance(31 * DAY)
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(token)


async def test_idle_session_expires(service: Container) -> None:
    result = await signed_in(service)
    clock_of(service).advance(30 * DAY)

    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(result.refresh_token)
    clock_of(service).advance(timedelta(seconds=5))
    with pytest.raises(SessionEnded):
        await check(service, result)


async def test_refresh_stops_at_absolute_maximum(service: Container) -> None:
    result = await signed_in(service)
    token = result.refresh_token
    for _ in range(4):
        clock_of(service).advance(20 * DAY)
        rotated = await service.use_cases.sessions.refresh(token)
        token = rotated.refresh_token

    assert rotated.refresh_expires_in == int((10 * DAY).total_seconds())
    clock_of(service).advance(10 * DAY)
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(token)


async def test_refresh_keeps_and_changes_organisation(service: Container) -> None:
    result = await signed_in(service)
    organisations = service.use_cases.organisations
    created = await organisations.create_organisation(result.user.id, "Engines")
    organisation_id = created.organisation.id

    scoped = await service.use_cases.sessions.refresh(result.refresh_token, organisation_id)
    kept = await service.use_cases.sessions.refresh(scoped.refresh_token)

    for tokens in (scoped, kept):
        claims = service.tokens.verify_access_token(tokens.access_token.token)
        assert claims.extra["org"] == str(organisation_id)
        assert claims.extra["org_role"] == "owner"
    with pytest.raises(OrganisationNotFound):
        await service.use_cases.sessions.refresh(kept.refresh_token, uuid.uuid4())


# Ending sessions


async def test_sign_out_ends_session_at_once(service: Container) -> None:
    result = await signed_in(service)
    await check(service, result)

    await service.use_cases.sessions.sign_out(result.user.id, result.session_id, client=CLIENT)

    with pytest.raises(SessionEnded):
        await check(service, result)
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(result.refresh_token)
    assert SecurityEventType.SIGNED_OUT in await events(service, result.user.id)


async def test_sign_out_with_refresh_token(service: Container) -> None:
    result = await signed_in(service)

    await service.use_cases.sessions.sign_out(refresh_token=result.refresh_token)
    await service.use_cases.sessions.sign_out(refresh_token=result.refresh_token)

    with pytest.raises(SessionEnded):
        await check(service, result)
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.sign_out(refresh_token="unknown")


async def test_list_marks_current_session(service: Container) -> None:
    first = await signed_in(service)
    clock_of(service).advance(timedelta(minutes=1))
    second = await signed_in(service)

    views = await service.use_cases.sessions.list_mine(first.user.id, second.session_id)

    assert [view.session.id for view in views] == [second.session_id, first.session_id]
    assert [view.current for view in views] == [True, False]


async def test_revoke_session_of_other_user_not_found(service: Container) -> None:
    ada = await signed_in(service)
    grace = await signed_in(service, "grace@example.com")

    with pytest.raises(SessionNotFound):
        await service.use_cases.sessions.revoke(ada.user.id, grace.session_id)
    with pytest.raises(SessionNotFound):
        await service.use_cases.sessions.revoke(ada.user.id, uuid.uuid4())

    await check(service, grace)
    await service.use_cases.sessions.revoke(ada.user.id, ada.session_id, CLIENT)
    with pytest.raises(SessionEnded):
        await check(service, ada)
    assert SecurityEventType.SESSION_REVOKED in await events(service, ada.user.id)


async def test_revoke_others_keeps_current(service: Container) -> None:
    current = await signed_in(service)
    others = [await signed_in(service) for _ in range(2)]

    revoked = await service.use_cases.sessions.revoke_others(current.user.id, current.session_id)

    assert revoked == 2
    await check(service, current)
    for other in others:
        with pytest.raises(SessionEnded):
            await check(service, other)


async def test_password_change_ends_other_sessions(service: Container) -> None:
    current = await signed_in(service)
    other = await signed_in(service)

    await service.use_cases.change_password(
        current.user.id, PASSWORD, NEW_PASSWORD, current_session_id=current.session_id
    )

    await check(service, current)
    with pytest.raises(SessionEnded):
        await check(service, other)
    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(other.refresh_token)
    await service.use_cases.sessions.refresh(current.refresh_token)


async def test_password_reset_ends_all_sessions(service: Container) -> None:
    sessions = [await signed_in(service) for _ in range(2)]
    await deliver(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)

    mail = await only_mail_to(service, ADA)
    await service.use_cases.confirm_password_reset(link_token(mail.text), NEW_PASSWORD)

    for result in sessions:
        with pytest.raises(SessionEnded):
            await check(service, result)
        with pytest.raises(RefreshTokenInvalid):
            await service.use_cases.sessions.refresh(result.refresh_token)


async def test_disabling_account_ends_all_sessions(service: Container) -> None:
    result = await signed_in(service)

    await SetUserStatus(service.uow, service.clock)(ADA, UserStatus.DISABLED)

    with pytest.raises(RefreshTokenInvalid):
        await service.use_cases.sessions.refresh(result.refresh_token)
    # The operator's command runs in another process: the cached state lasts its TTL.
    clock_of(service).advance(timedelta(seconds=5))
    with pytest.raises(SessionEnded):
        await check(service, result)


# The session-state cache


async def test_cache_hides_foreign_revocation_until_ttl(service: Container) -> None:
    result = await signed_in(service)
    await check(service, result)
    async with service.uow() as uow:
        await uow.sessions.revoke(result.session_id, service.clock.now(), SessionEndReason.REVOKED)
        await uow.commit()

    clock_of(service).advance(timedelta(seconds=4))
    await check(service, result)

    clock_of(service).advance(timedelta(seconds=1))
    with pytest.raises(SessionEnded):
        await check(service, result)


async def test_cache_evicts_least_recently_used(service: Container) -> None:
    clock = FixedClock()
    cache = SessionStateCache(clock, timedelta(seconds=5), max_entries=2)
    check_session = CheckSession(service.uow, clock, cache)
    results = [await signed_in(service) for _ in range(3)]

    for result in results:
        await check_session(result.user.id, result.session_id)

    assert len(cache) == 2
    assert cache.get(results[0].session_id) is None
    assert cache.get(results[2].session_id) is not None


async def test_session_of_other_user_rejected(service: Container) -> None:
    ada = await signed_in(service)
    grace = await signed_in(service, "grace@example.com")

    with pytest.raises(SessionEnded):
        await service.use_cases.sessions.check(grace.user.id, ada.session_id)
    with pytest.raises(SessionEnded):
        await service.use_cases.sessions.check(ada.user.id, uuid.uuid4())
