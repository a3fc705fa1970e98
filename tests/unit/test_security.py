"""Failed sign-in limits, invitation send limits and audit events, on the in-memory adapters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.memory import FixedClock, InMemoryUnitOfWorkFactory
from elenchos.application.accounts import ClientInfo
from elenchos.application.audit import SecurityEventFilter
from elenchos.bootstrap import Container, build_administration
from elenchos.domain.audit import SecurityEvent, SecurityEventType
from elenchos.domain.errors import (
    AlreadyMember,
    InvalidCredentials,
    OrganisationNotFound,
    PermissionDenied,
    RateLimited,
)
from elenchos.domain.roles import Role
from elenchos.domain.users import UserStatus
from tests.support.mail import deliver, link_token, memory_container

PASSWORD = "correct horse battery staple"
WRONG = "not the password at all"
ADA = "ada@example.com"
GRACE = "grace@example.com"
CLIENT = ClientInfo(ip_address="192.0.2.10", user_agent="TestBrowser/1.0")
ATTACKER = ClientInfo(ip_address="198.51.100.66", user_agent="curl/8.0")


@pytest.fixture
async def service(tmp_path: Path, signing_keys: KeyRing) -> AsyncIterator[Container]:
    container = await memory_container(
        tmp_path,
        signing_keys,
        sign_in_failures_per_account=3,
        sign_in_failures_per_ip=5,
        invitations_per_organisation=2,
    )
    yield container
    await container.close()


def clock_of(service: Container) -> FixedClock:
    assert isinstance(service.clock, FixedClock)
    return service.clock


async def account(service: Container, email: str = ADA) -> uuid.UUID:
    """Sign up and verify through the mail link; return the user id."""
    await service.use_cases.sign_up(email, PASSWORD)
    mails = [mail for mail in await deliver(service) if mail.to == email]
    user = await service.use_cases.verify_email(link_token(mails[-1].text), CLIENT)
    return user.id


async def fail_sign_in(
    service: Container, email: str = ADA, client: ClientInfo = ATTACKER
) -> None:
    with pytest.raises(InvalidCredentials):
        await service.use_cases.sign_in(email, WRONG, client)


def events(service: Container) -> list[SecurityEvent]:
    assert isinstance(service.uow, InMemoryUnitOfWorkFactory)
    found: list[SecurityEvent] = service.uow().audit.all()  # type: ignore[attr-defined]
    return found


def of_type(service: Container, type: SecurityEventType) -> list[SecurityEvent]:
    return [event for event in events(service) if event.type is type]


# Failed sign-in limits


async def test_failures_lock_account_with_retry_after(service: Container) -> None:
    await account(service)
    for _ in range(3):
        await fail_sign_in(service)
    clock_of(service).advance(timedelta(minutes=5))

    with pytest.raises(RateLimited) as raised:
        await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    assert raised.value.retry_after_seconds == 600
    assert "account" in str(raised.value)


async def test_locked_account_reopens_after_window(service: Container) -> None:
    await account(service)
    for _ in range(3):
        await fail_sign_in(service)

    clock_of(service).advance(timedelta(minutes=15))
    result = await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    assert result.user.email == ADA


async def test_attacker_cannot_extend_lockout(service: Container) -> None:
    await account(service)
    for _ in range(3):
        await fail_sign_in(service)
    clock_of(service).advance(timedelta(minutes=10))
    for _ in range(5):
        with pytest.raises(RateLimited):
            await service.use_cases.sign_in(ADA, WRONG, ATTACKER)

    clock_of(service).advance(timedelta(minutes=5))
    result = await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    assert result.user.email == ADA


async def test_successful_sign_ins_are_not_counted(service: Container) -> None:
    await account(service)
    for _ in range(5):
        await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)
    await fail_sign_in(service, client=CLIENT)
    await fail_sign_in(service, client=CLIENT)

    result = await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    assert result.user.email == ADA


async def test_limit_checked_before_password(service: Container) -> None:
    await account(service)
    for _ in range(3):
        await fail_sign_in(service)
    successes_before = len(of_type(service, SecurityEventType.SIGN_IN_SUCCEEDED))

    with pytest.raises(RateLimited):
        await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    assert len(of_type(service, SecurityEventType.SIGN_IN_SUCCEEDED)) == successes_before


async def test_unknown_address_limited_like_known(service: Container) -> None:
    await account(service)
    for email in (ADA, "nobody@example.com"):
        for _ in range(3):
            await fail_sign_in(service, email, ClientInfo(ip_address=f"203.0.113.{len(email)}"))

    with pytest.raises(RateLimited) as known:
        await service.use_cases.sign_in(ADA, WRONG)
    with pytest.raises(RateLimited) as unknown:
        await service.use_cases.sign_in("nobody@example.com", WRONG)

    assert str(known.value) == str(unknown.value)
    assert known.value.retry_after_seconds == unknown.value.retry_after_seconds


async def test_account_key_ignores_address_spelling(service: Container) -> None:
    await account(service)
    for spelling in ("ADA@example.com", " ada@EXAMPLE.com", "Ada@Example.Com"):
        await fail_sign_in(service, spelling)

    with pytest.raises(RateLimited):
        await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)


async def test_ip_limit_spans_accounts(service: Container) -> None:
    for index in range(5):
        await fail_sign_in(service, f"user{index}@example.com")

    with pytest.raises(RateLimited) as raised:
        await service.use_cases.sign_in("user9@example.com", WRONG, ATTACKER)

    assert "IP address" in str(raised.value)


async def test_password_reset_clears_account_limit(service: Container) -> None:
    await account(service)
    for _ in range(3):
        await fail_sign_in(service)
    await service.use_cases.request_password_reset(ADA, CLIENT)
    reset_mail = [mail for mail in await deliver(service) if mail.to == ADA][-1]

    await service.use_cases.confirm_password_reset(
        link_token(reset_mail.text), "a brand new passphrase", CLIENT
    )
    result = await service.use_cases.sign_in(ADA, "a brand new passphrase", CLIENT)

    assert result.user.email == ADA


async def test_rejections_are_counted_in_metrics(service: Container) -> None:
    for _ in range(3):
        await fail_sign_in(service)

    with pytest.raises(RateLimited):
        await service.use_cases.sign_in(ADA, WRONG, ATTACKER)

    rejected = service.metrics.rate_limited.labels(limit="sign_in_account")._value.get()
    assert rejected == 1


# Invitation sends per organisation


async def test_invitation_sends_limited_per_organisation(service: Container) -> None:
    owner = await account(service)
    organisations = service.use_cases.organisations
    first = (await organisations.create_organisation(owner, "Acme")).organisation.id
    second = (await organisations.create_organisation(owner, "Globex")).organisation.id
    invitation = await organisations.invite_member(owner, first, "a@example.com", Role.MEMBER)
    await organisations.resend_invitation(owner, first, invitation.id)

    with pytest.raises(RateLimited) as raised:
        await organisations.invite_member(owner, first, "b@example.com", Role.MEMBER)
    elsewhere = await organisations.invite_member(owner, second, "b@example.com", Role.MEMBER)
    clock_of(service).advance(timedelta(hours=1))
    later = await organisations.invite_member(owner, first, "b@example.com", Role.MEMBER)

    assert raised.value.retry_after_seconds == 3600
    assert elsewhere.organisation_id == second
    assert later.organisation_id == first


async def test_outsider_gets_not_found_not_rate_limited(service: Container) -> None:
    owner = await account(service)
    outsider = await account(service, GRACE)
    organisations = service.use_cases.organisations
    organisation_id = (await organisations.create_organisation(owner, "Acme")).organisation.id
    for index in range(2):
        await organisations.invite_member(owner, organisation_id, f"{index}@x.example", Role.MEMBER)

    with pytest.raises(OrganisationNotFound):
        await organisations.invite_member(outsider, organisation_id, "c@x.example", Role.MEMBER)


async def test_rejected_invitation_is_not_counted(service: Container) -> None:
    owner = await account(service)
    organisations = service.use_cases.organisations
    organisation_id = (await organisations.create_organisation(owner, "Acme")).organisation.id
    for _ in range(3):
        with pytest.raises(AlreadyMember):
            await organisations.invite_member(owner, organisation_id, ADA, Role.MEMBER)

    sent = await organisations.invite_member(owner, organisation_id, "a@x.example", Role.MEMBER)

    assert sent.organisation_id == organisation_id


# Audit events of account flows


async def test_sign_in_events_carry_client(service: Container) -> None:
    user_id = await account(service)

    await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)
    await fail_sign_in(service)

    succeeded = of_type(service, SecurityEventType.SIGN_IN_SUCCEEDED)[-1]
    failed = of_type(service, SecurityEventType.SIGN_IN_FAILED)[-1]
    assert succeeded.actor_user_id == user_id
    assert succeeded.subject_user_id == user_id
    assert succeeded.ip_address == "192.0.2.10"
    assert succeeded.user_agent == "TestBrowser/1.0"
    assert failed.actor_user_id is None
    assert failed.subject_user_id == user_id
    assert failed.ip_address == "198.51.100.66"
    assert failed.details == {"reason": "wrong_password"}


async def test_failed_sign_in_never_stores_password_or_unknown_address(
    service: Container,
) -> None:
    await service.use_cases.sign_up(ADA, PASSWORD)

    await fail_sign_in(service, "nobody@example.com")
    with pytest.raises(InvalidCredentials):
        await service.use_cases.sign_in(ADA, "typed into the wrong box", ATTACKER)

    stored = repr(events(service))
    assert WRONG not in stored
    assert "typed into the wrong box" not in stored
    assert "nobody" not in stored
    unknown = next(
        event
        for event in of_type(service, SecurityEventType.SIGN_IN_FAILED)
        if event.details["reason"] == "unknown_account"
    )
    assert unknown.subject_user_id is None
    assert unknown.details == {"reason": "unknown_account"}


async def test_unverified_sign_in_failure_is_recorded(service: Container) -> None:
    await service.use_cases.sign_up(ADA, PASSWORD)

    with pytest.raises(Exception, match="Verify"):
        await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    failed = of_type(service, SecurityEventType.SIGN_IN_FAILED)[-1]
    assert failed.details == {"reason": "email_not_verified"}


async def test_password_and_email_events(service: Container) -> None:
    user_id = await account(service)
    signed_in = await service.use_cases.sign_in(ADA, PASSWORD, CLIENT)

    await service.use_cases.change_password(
        user_id, PASSWORD, "another good passphrase", signed_in.session_id, client=CLIENT
    )
    await service.use_cases.request_password_reset(ADA, CLIENT)
    reset_mail = [mail for mail in await deliver(service) if mail.to == ADA][-1]
    await service.use_cases.confirm_password_reset(
        link_token(reset_mail.text), "a brand new passphrase", CLIENT
    )

    types = [event.type for event in events(service) if event.subject_user_id == user_id]
    assert SecurityEventType.EMAIL_VERIFIED in types
    assert SecurityEventType.PASSWORD_CHANGED in types
    assert SecurityEventType.PASSWORD_RESET in types
    changed = of_type(service, SecurityEventType.PASSWORD_CHANGED)[0]
    assert changed.actor_user_id == user_id
    assert changed.ip_address == "192.0.2.10"


async def test_operator_status_changes_are_recorded(service: Container) -> None:
    user_id = await account(service)
    administration = build_administration(service)

    await administration.set_user_status(ADA, UserStatus.DISABLED)
    await administration.set_user_status(ADA, UserStatus.DISABLED)
    await administration.set_user_status(ADA, UserStatus.ACTIVE)

    disabled = of_type(service, SecurityEventType.ACCOUNT_DISABLED)
    enabled = of_type(service, SecurityEventType.ACCOUNT_ENABLED)
    assert len(disabled) == 1
    assert len(enabled) == 1
    assert disabled[0].subject_user_id == user_id
    assert disabled[0].actor_user_id is None
    assert disabled[0].details == {"by": "operator"}


# Audit events of organisation flows


async def test_organisation_flows_are_recorded(service: Container) -> None:
    owner = await account(service)
    grace = await account(service, GRACE)
    organisations = service.use_cases.organisations
    clock = clock_of(service)
    organisation_id = (
        await organisations.create_organisation(owner, "Acme", client=CLIENT)
    ).organisation.id
    clock.advance(timedelta(seconds=1))
    invitation = await organisations.invite_member(
        owner, organisation_id, GRACE, Role.MEMBER, CLIENT
    )
    clock.advance(timedelta(seconds=1))
    token = [m for m in await deliver(service) if m.to == GRACE][-1]
    await organisations.accept_invitation(grace, link_token(token.text), CLIENT)
    clock.advance(timedelta(seconds=1))
    await organisations.change_member_role(owner, organisation_id, grace, Role.ADMIN, CLIENT)
    clock.advance(timedelta(seconds=1))
    await organisations.transfer_ownership(owner, organisation_id, grace, CLIENT)
    clock.advance(timedelta(seconds=1))
    await organisations.leave_organisation(owner, organisation_id, CLIENT)
    clock.advance(timedelta(seconds=1))
    await organisations.delete_organisation(grace, organisation_id, CLIENT)

    log = [event for event in events(service) if event.organisation_id == organisation_id]
    assert [event.type for event in log] == [
        SecurityEventType.ORGANISATION_CREATED,
        SecurityEventType.INVITATION_SENT,
        SecurityEventType.INVITATION_ACCEPTED,
        SecurityEventType.ROLE_CHANGED,
        SecurityEventType.OWNERSHIP_TRANSFERRED,
        SecurityEventType.MEMBER_LEFT,
        SecurityEventType.ORGANISATION_DELETED,
    ]
    assert log[1].details["invitation_id"] == str(invitation.id)
    assert log[3].details == {"role": "admin", "previous_role": "member"}
    assert log[3].subject_user_id == grace
    assert log[4].actor_user_id == owner
    assert log[4].subject_user_id == grace
    assert all(event.ip_address == "192.0.2.10" for event in log)


async def test_removal_and_revocation_are_recorded(service: Container) -> None:
    owner = await account(service)
    grace = await account(service, GRACE)
    organisations = service.use_cases.organisations
    organisation_id = (await organisations.create_organisation(owner, "Acme")).organisation.id
    invitation = await organisations.invite_member(
        owner, organisation_id, "x@x.example", Role.ADMIN
    )
    await organisations.revoke_invitation(owner, organisation_id, invitation.id, CLIENT)
    await organisations.invite_member(owner, organisation_id, GRACE, Role.MEMBER)
    token = [m for m in await deliver(service) if m.to == GRACE][-1]
    await organisations.accept_invitation(grace, link_token(token.text))

    await organisations.remove_member(owner, organisation_id, grace, CLIENT)

    revoked = of_type(service, SecurityEventType.INVITATION_REVOKED)[0]
    removed = of_type(service, SecurityEventType.MEMBER_REMOVED)[0]
    assert revoked.details["role"] == "admin"
    assert removed.actor_user_id == owner
    assert removed.subject_user_id == grace
    assert removed.details == {"role": "member"}


# Reading the log


async def test_my_events_hide_other_actors_address(service: Container) -> None:
    owner = await account(service)
    grace = await account(service, GRACE)
    organisations = service.use_cases.organisations
    organisation_id = (await organisations.create_organisation(owner, "Acme")).organisation.id
    await organisations.invite_member(owner, organisation_id, GRACE, Role.MEMBER)
    token = [m for m in await deliver(service) if m.to == GRACE][-1]
    await organisations.accept_invitation(grace, link_token(token.text), CLIENT)
    await organisations.remove_member(owner, organisation_id, grace, ATTACKER)

    page = await service.use_cases.list_my_security_events(grace, SecurityEventFilter())

    removed = next(e for e in page.items if e.type is SecurityEventType.MEMBER_REMOVED)
    accepted = next(e for e in page.items if e.type is SecurityEventType.INVITATION_ACCEPTED)
    assert removed.ip_address is None
    assert removed.user_agent is None
    assert accepted.ip_address == "192.0.2.10"


async def test_audit_log_for_admins_only(service: Container) -> None:
    owner = await account(service)
    grace = await account(service, GRACE)
    outsider = await account(service, "eve@example.com")
    organisations = service.use_cases.organisations
    organisation_id = (await organisations.create_organisation(owner, "Acme")).organisation.id
    await organisations.invite_member(owner, organisation_id, GRACE, Role.MEMBER)
    token = [m for m in await deliver(service) if m.to == GRACE][-1]
    await organisations.accept_invitation(grace, link_token(token.text))

    owner_page = await organisations.list_audit_log(owner, organisation_id, SecurityEventFilter())
    with pytest.raises(PermissionDenied):
        await organisations.list_audit_log(grace, organisation_id, SecurityEventFilter())
    with pytest.raises(OrganisationNotFound):
        await organisations.list_audit_log(outsider, organisation_id, SecurityEventFilter())

    assert len(owner_page.items) == 3
