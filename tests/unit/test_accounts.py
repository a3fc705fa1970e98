"""Account use cases on the in-memory adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elenchos.adapters.jwt.issuer import JwtTokenIssuer
from elenchos.adapters.jwt.keys import KeyRing, SigningKey, generate_private_key, thumbprint
from elenchos.adapters.memory import FastPasswordHasher, FixedClock, InMemoryUnitOfWorkFactory
from elenchos.application.accounts import (
    MAX_DOCUMENT_BYTES,
    GetCurrentUser,
    SignIn,
    SignUp,
    UpdateProfile,
)
from elenchos.domain.errors import (
    AccountDisabled,
    EmailNotVerified,
    InvalidCredentials,
    InvalidPassword,
    UserNotFound,
    ValidationFailed,
)
from elenchos.domain.users import UserStatus

PASSWORD = "correct horse battery staple"


class Accounts:
    """The account use cases wired to fakes, as a test would wire an embedding app."""

    def __init__(self, require_verified_email: bool = True) -> None:
        self.uow = InMemoryUnitOfWorkFactory()
        self.hasher = FastPasswordHasher()
        self.clock = FixedClock()
        private_key = generate_private_key("EdDSA")
        keys = KeyRing([SigningKey(thumbprint(private_key.public_key()), "EdDSA", private_key)])
        self.tokens = JwtTokenIssuer(
            keys, "https://issuer", "aud", timedelta(minutes=15), self.clock
        )
        self.sign_up = SignUp(self.uow, self.hasher, self.clock)
        self.sign_in = SignIn(
            self.uow, self.hasher, self.tokens, self.clock, "fast-v1$dummy", require_verified_email
        )
        self.get_current_user = GetCurrentUser(self.uow)
        self.update_profile = UpdateProfile(self.uow, self.clock)

    async def verify(self, email: str) -> None:
        async with self.uow() as uow:
            user = await uow.users.get_by_email(email)
            assert user is not None
            user.mark_verified(self.clock.now())
            await uow.users.update(user)
            await uow.commit()


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


async def test_sign_up_stores_pending_user(accounts: Accounts) -> None:
    await accounts.sign_up("Ada@Example.com", PASSWORD, {"display_name": "Ada"})

    async with accounts.uow() as uow:
        user = await uow.users.get_by_email("ada@example.com")
    assert user is not None
    assert user.email == "Ada@Example.com"
    assert user.status is UserStatus.PENDING_VERIFICATION
    assert user.password_hash != PASSWORD
    assert user.created_at.tzinfo is not None


async def test_sign_up_twice_keeps_first_account(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)
    async with accounts.uow() as uow:
        first = await uow.users.get_by_email("ada@example.com")

    await accounts.sign_up("ADA@example.com", "a different password")

    async with accounts.uow() as uow:
        second = await uow.users.get_by_email("ada@example.com")
    assert first is not None and second is not None
    assert second.id == first.id
    assert second.password_hash == first.password_hash


async def test_sign_up_hashes_even_for_taken_address(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)
    async with accounts.uow() as uow:
        stored = await uow.users.get_by_email("ada@example.com")

    await accounts.sign_up("ada@example.com", "another password")

    assert stored is not None
    assert accounts.hasher.hashes == 2
    # The second commit stores only the mail to the address's owner.
    assert accounts.uow.database.commits == 2


async def test_sign_up_rejects_short_password(accounts: Accounts) -> None:
    with pytest.raises(InvalidPassword):
        await accounts.sign_up("ada@example.com", "short")


async def test_sign_in_unknown_email_verifies_dummy_hash(accounts: Accounts) -> None:
    with pytest.raises(InvalidCredentials):
        await accounts.sign_in("nobody@example.com", PASSWORD)

    assert accounts.hasher.verifications == 1


async def test_sign_in_wrong_password(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)
    await accounts.verify("ada@example.com")

    with pytest.raises(InvalidCredentials):
        await accounts.sign_in("ada@example.com", "wrong password")


async def test_sign_in_requires_verified_email(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)

    with pytest.raises(EmailNotVerified):
        await accounts.sign_in("ada@example.com", PASSWORD)


async def test_sign_in_without_verification_when_allowed() -> None:
    accounts = Accounts(require_verified_email=False)
    await accounts.sign_up("ada@example.com", PASSWORD)

    result = await accounts.sign_in("ada@example.com", PASSWORD)

    assert accounts.tokens.verify_access_token(result.access_token.token).subject == result.user.id


async def test_sign_in_disabled_account(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)
    async with accounts.uow() as uow:
        user = await uow.users.get_by_email("ada@example.com")
        assert user is not None
        user.status = UserStatus.DISABLED
        await uow.users.update(user)
        await uow.commit()

    with pytest.raises(AccountDisabled):
        await accounts.sign_in("ada@example.com", PASSWORD)


async def test_sign_in_rehashes_outdated_hash(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)
    await accounts.verify("ada@example.com")
    accounts.hasher.scheme = "fast-v2"

    await accounts.sign_in("ADA@example.com", PASSWORD)

    async with accounts.uow() as uow:
        user = await uow.users.get_by_email("ada@example.com")
    assert user is not None
    assert user.password_hash.startswith("fast-v2$")
    assert user.password_changed_at == user.created_at


async def test_update_profile_merges_and_deletes_keys(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD, {"display_name": "Ada", "team": "x"})
    async with accounts.uow() as uow:
        user = await uow.users.get_by_email("ada@example.com")
    assert user is not None

    updated = await accounts.update_profile(
        user.id, profile={"team": None, "city": "London"}, settings={"theme": "dark"}
    )

    assert updated.profile == {"display_name": "Ada", "city": "London"}
    assert updated.settings == {"theme": "dark"}
    assert updated.email == user.email
    assert updated.status is user.status


async def test_update_profile_rejects_oversized_document(accounts: Accounts) -> None:
    await accounts.sign_up("ada@example.com", PASSWORD)
    async with accounts.uow() as uow:
        user = await uow.users.get_by_email("ada@example.com")
    assert user is not None

    with pytest.raises(ValidationFailed):
        await accounts.update_profile(user.id, profile={"bio": "x" * MAX_DOCUMENT_BYTES})

    assert (await accounts.get_current_user(user.id)).profile == {}


async def test_get_current_user_gone(accounts: Accounts) -> None:
    import uuid

    with pytest.raises(UserNotFound):
        await accounts.get_current_user(uuid.uuid4())
