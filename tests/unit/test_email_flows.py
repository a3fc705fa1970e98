"""Verification, sign-up notices, sign-in notices and passwords, on the in-memory adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.memory import FixedClock
from elenchos.application.accounts import ClientInfo
from elenchos.bootstrap import Container
from elenchos.domain.errors import (
    CurrentPasswordIncorrect,
    EmailNotVerified,
    InvalidCredentials,
    InvalidPassword,
    LinkTokenExpired,
    LinkTokenInvalid,
    LinkTokenUsed,
    RateLimited,
)
from elenchos.domain.outbox import OutboxStatus
from elenchos.domain.users import User
from tests.support.mail import deliver, link_token, memory_container, memory_mailer, only_mail_to

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"
ADA = "ada@example.com"
CLIENT = ClientInfo(ip_address="192.0.2.10", user_agent="TestBrowser/1.0")


@pytest.fixture
async def service(tmp_path: Path, signing_keys: KeyRing) -> AsyncIterator[Container]:
    container = await memory_container(
        tmp_path, signing_keys, mail_requests_per_address=3, mail_requests_per_ip=5
    )
    yield container
    await container.close()


def clock_of(service: Container) -> FixedClock:
    assert isinstance(service.clock, FixedClock)
    return service.clock


async def user_named(service: Container, email: str) -> User:
    async with service.uow() as uow:
        user = await uow.users.get_by_email(email)
    assert user is not None
    return user


async def signed_up(service: Container, email: str = ADA, **profile: str) -> str:
    """Sign up and return the token of the verification mail."""
    await service.use_cases.sign_up(email, PASSWORD, profile or None)
    mail = await only_mail_to(service, email)
    return link_token(mail.text)


async def verified(service: Container, email: str = ADA, **profile: str) -> User:
    token = await signed_up(service, email, **profile)
    return await service.use_cases.verify_email(token)


async def test_sign_up_mails_verification_link(service: Container) -> None:
    await service.use_cases.sign_up(ADA, PASSWORD)

    mail = await only_mail_to(service, ADA)

    assert "Verify your email address" in mail.subject
    assert "http://testserver/ui/verify-email?token=" in mail.text
    assert "http://testserver/ui/verify-email?token=" in mail.html


async def test_sent_message_context_is_cleared(service: Container) -> None:
    await signed_up(service)

    async with service.uow() as uow:
        messages = uow.outbox.all()  # type: ignore[attr-defined]

    assert [message.status for message in messages] == [OutboxStatus.SENT]
    assert messages[0].context == {}


async def test_token_stored_only_as_hash(service: Container) -> None:
    token = await signed_up(service)

    async with service.uow() as uow:
        stored = uow.tokens.all()  # type: ignore[attr-defined]

    assert len(stored) == 1
    assert stored[0].token_hash != token
    assert token not in repr(stored[0])


async def test_verification_link_verifies_account(service: Container) -> None:
    token = await signed_up(service)
    with pytest.raises(EmailNotVerified):
        await service.use_cases.sign_in(ADA, PASSWORD)

    user = await service.use_cases.verify_email(token)

    assert user.is_verified
    assert (await service.use_cases.sign_in(ADA, PASSWORD)).user.id == user.id


async def test_verification_link_works_once(service: Container) -> None:
    token = await signed_up(service)
    await service.use_cases.verify_email(token)

    with pytest.raises(LinkTokenUsed):
        await service.use_cases.verify_email(token)


async def test_verification_link_expires(service: Container) -> None:
    token = await signed_up(service)
    clock_of(service).advance(timedelta(hours=24, seconds=1))

    with pytest.raises(LinkTokenExpired):
        await service.use_cases.verify_email(token)


@pytest.mark.parametrize("token", ["", "x" * 129, "not-a-token-we-issued"])
async def test_unknown_verification_token(service: Container, token: str) -> None:
    with pytest.raises(LinkTokenInvalid):
        await service.use_cases.verify_email(token)


async def test_reset_token_cannot_verify_email(service: Container) -> None:
    await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    reset_token = link_token((await only_mail_to(service, ADA)).text)

    with pytest.raises(LinkTokenInvalid):
        await service.use_cases.verify_email(reset_token)


async def test_resend_replaces_older_link(service: Container) -> None:
    first = await signed_up(service)

    await service.use_cases.resend_verification(ADA, CLIENT)
    second = link_token((await only_mail_to(service, ADA)).text)

    with pytest.raises(LinkTokenInvalid):
        await service.use_cases.verify_email(first)
    assert (await service.use_cases.verify_email(second)).is_verified


async def test_resend_to_verified_account_sends_nothing(service: Container) -> None:
    await verified(service)

    await service.use_cases.resend_verification(ADA, CLIENT)

    assert await deliver(service) == []


async def test_resend_to_unknown_address_sends_nothing(service: Container) -> None:
    await service.use_cases.resend_verification("nobody@example.com", CLIENT)

    assert await deliver(service) == []


async def test_taken_verified_address_mails_owner_notice(service: Container) -> None:
    owner = await verified(service, display_name="Ada")

    await service.use_cases.sign_up("ADA@example.com", "someone else's password")
    mail = await only_mail_to(service, ADA)

    assert "tried to sign up" in mail.subject
    assert "Hello Ada" in mail.text
    assert "?token=" not in mail.text
    assert (await user_named(service, ADA)).password_hash == owner.password_hash


async def test_taken_unverified_address_mails_new_link(service: Container) -> None:
    first = await signed_up(service)

    await service.use_cases.sign_up(ADA, "another password here")
    second = link_token((await only_mail_to(service, ADA)).text)

    assert second != first
    assert (await service.use_cases.verify_email(second)).is_verified


async def test_owner_notices_are_rate_limited(service: Container) -> None:
    await verified(service)

    for _ in range(5):
        await service.use_cases.sign_up(ADA, "someone else's password")
    notices = await deliver(service)

    assert len(notices) == 3


async def test_verification_mail_leaves_out_display_name(service: Container) -> None:
    await service.use_cases.sign_up(ADA, PASSWORD, {"display_name": "Visit evil.example"})

    mail = await only_mail_to(service, ADA)

    assert "evil.example" not in mail.text
    assert "evil.example" not in mail.html


async def test_sign_in_mails_notice(service: Container) -> None:
    await verified(service, display_name="Ada")

    await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)
    mail = await only_mail_to(service, ADA)

    assert "New sign-in" in mail.subject
    assert "192.0.2.10" in mail.text
    assert "TestBrowser/1.0" in mail.text
    assert "2026-01-01" in mail.text
    assert "http://testserver/ui/reset-password" in mail.text


async def test_sign_in_notice_can_be_turned_off(service: Container) -> None:
    user = await verified(service)
    await service.use_cases.update_profile(user.id, settings={"notify_on_sign_in": False})

    await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    assert await deliver(service) == []


async def test_sign_in_succeeds_while_mail_is_down(service: Container) -> None:
    await verified(service)
    memory_mailer(service).unavailable = True

    result = await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)
    await deliver(service)

    assert result.access_token.token
    assert memory_mailer(service).sent_to(ADA)[-1].subject.startswith("Verify")


async def test_password_reset_sets_new_password(service: Container) -> None:
    await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    token = link_token((await only_mail_to(service, ADA)).text)

    await service.use_cases.confirm_password_reset(token, NEW_PASSWORD)
    changed = await only_mail_to(service, ADA)

    assert "password was changed" in changed.subject
    with pytest.raises(InvalidCredentials):
        await service.use_cases.sign_in(ADA, PASSWORD)
    assert (await service.use_cases.sign_in(ADA, NEW_PASSWORD)).user.email == ADA
    user = await user_named(service, ADA)
    assert user.password_changed_at == clock_of(service).now()


async def test_reset_link_works_once(service: Container) -> None:
    await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    token = link_token((await only_mail_to(service, ADA)).text)
    await service.use_cases.confirm_password_reset(token, NEW_PASSWORD)

    with pytest.raises(LinkTokenUsed):
        await service.use_cases.confirm_password_reset(token, "yet another passphrase")


async def test_new_reset_request_replaces_older_link(service: Container) -> None:
    await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    first = link_token((await only_mail_to(service, ADA)).text)

    await service.use_cases.request_password_reset(ADA, CLIENT)
    second = link_token((await only_mail_to(service, ADA)).text)

    with pytest.raises(LinkTokenInvalid):
        await service.use_cases.confirm_password_reset(first, NEW_PASSWORD)
    await service.use_cases.confirm_password_reset(second, NEW_PASSWORD)


async def test_reset_link_expires_after_an_hour(service: Container) -> None:
    await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    token = link_token((await only_mail_to(service, ADA)).text)
    clock_of(service).advance(timedelta(hours=1))

    with pytest.raises(LinkTokenExpired):
        await service.use_cases.confirm_password_reset(token, NEW_PASSWORD)


async def test_weak_new_password_keeps_token_usable(service: Container) -> None:
    await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    token = link_token((await only_mail_to(service, ADA)).text)

    with pytest.raises(InvalidPassword):
        await service.use_cases.confirm_password_reset(token, "short")
    await service.use_cases.confirm_password_reset(token, NEW_PASSWORD)


async def test_reset_verifies_unverified_account(service: Container) -> None:
    await signed_up(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    token = link_token((await only_mail_to(service, ADA)).text)

    await service.use_cases.confirm_password_reset(token, NEW_PASSWORD)

    assert (await user_named(service, ADA)).is_verified


async def test_reset_for_unknown_address_sends_nothing(service: Container) -> None:
    await service.use_cases.request_password_reset("nobody@example.com", CLIENT)

    assert await deliver(service) == []


async def test_reset_over_address_limit_is_silent(service: Container) -> None:
    await verified(service)

    for index in range(4):
        client = ClientInfo(ip_address=f"192.0.2.{index}")
        await service.use_cases.request_password_reset(ADA, client)
    sent = await deliver(service)

    assert len(sent) == 3


async def test_reset_over_ip_limit_raises(service: Container) -> None:
    for index in range(5):
        await service.use_cases.request_password_reset(f"user{index}@example.com", CLIENT)

    with pytest.raises(RateLimited) as raised:
        await service.use_cases.request_password_reset("user9@example.com", CLIENT)

    assert 0 < raised.value.retry_after_seconds <= 3600


async def test_change_password_mails_notice(service: Container) -> None:
    user = await verified(service)

    await service.use_cases.change_password(user.id, PASSWORD, NEW_PASSWORD)
    mail = await only_mail_to(service, ADA)

    assert "password was changed" in mail.subject
    assert (await service.use_cases.sign_in(ADA, NEW_PASSWORD)).user.id == user.id


async def test_change_password_checks_current_password(service: Container) -> None:
    user = await verified(service)

    with pytest.raises(CurrentPasswordIncorrect):
        await service.use_cases.change_password(user.id, "not my password", NEW_PASSWORD)

    assert await deliver(service) == []


async def test_change_password_voids_reset_link(service: Container) -> None:
    user = await verified(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    token = link_token((await only_mail_to(service, ADA)).text)

    await service.use_cases.change_password(user.id, PASSWORD, NEW_PASSWORD)

    with pytest.raises(LinkTokenInvalid):
        await service.use_cases.confirm_password_reset(token, "yet another passphrase")
