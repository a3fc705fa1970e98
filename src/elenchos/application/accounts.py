"""Account use cases: sign-up, sign-in, reading and updating the current user."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from elenchos.application.ports import (
    Clock,
    IssuedToken,
    PasswordHasher,
    TokenIssuer,
    UnitOfWorkFactory,
)
from elenchos.domain.errors import (
    AccountDisabled,
    EmailAlreadyRegistered,
    EmailNotVerified,
    InvalidCredentials,
    InvalidEmail,
    UserNotFound,
    ValidationFailed,
)
from elenchos.domain.users import User, check_password_policy, normalize_email

logger = logging.getLogger(__name__)

# Profile and settings are free-form JSON; the bound keeps one account from
# storing megabytes in a row that every /v1/me request reads.
MAX_DOCUMENT_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a request came from, for notices and audit; both fields may be unknown."""

    ip_address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class SignInResult:
    user: User
    access_token: IssuedToken


class SignUp:
    """Register an account, answering the same way whether or not the address is taken.

    Raises InvalidEmail or InvalidPassword for input that breaks the policy.
    """

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(
        self, email: str, password: str, profile: dict[str, Any] | None = None
    ) -> None:
        email_normalized = normalize_email(email)
        check_password_policy(password, email)
        _check_document_size("profile", profile)
        # Hash before looking the address up, so a taken address costs the
        # same time as a free one.
        password_hash = await self._hasher.hash(password)

        async with self._uow() as uow:
            if await uow.users.get_by_email(email_normalized) is not None:
                logger.info("sign-up for an address that already has an account")
                return
            user = User.register(email, password_hash, self._clock.now(), profile)
            await uow.users.add(user)
            try:
                await uow.commit()
            except EmailAlreadyRegistered:
                # A concurrent sign-up of the same address won the race.
                logger.info("sign-up lost a race for an address that now has an account")
                return
        logger.info("user signed up: user_id=%s", user.id)


class SignIn:
    """Check a password and issue an access token.

    Raises InvalidCredentials (unknown email or wrong password alike),
    AccountDisabled, or EmailNotVerified when verification is required.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        clock: Clock,
        dummy_password_hash: str,
        require_verified_email: bool = True,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._dummy_password_hash = dummy_password_hash
        self._require_verified_email = require_verified_email

    async def __call__(
        self, email: str, password: str, client: ClientInfo | None = None
    ) -> SignInResult:
        user = await self._find_user(email)
        if user is None:
            # Verify against a dummy hash so an unknown address takes as long
            # as a wrong password and the timing reveals nothing.
            await self._hasher.verify(self._dummy_password_hash, password)
            raise InvalidCredentials("The email or password is incorrect.")
        if not await self._hasher.verify(user.password_hash, password):
            logger.info("sign-in rejected: wrong password for user_id=%s", user.id)
            raise InvalidCredentials("The email or password is incorrect.")
        if user.is_disabled:
            raise AccountDisabled("This account is disabled.")
        if self._require_verified_email and not user.is_verified:
            raise EmailNotVerified("Verify your email address before signing in.")

        if self._hasher.needs_rehash(user.password_hash):
            await self._rehash(user, password)
        token = self._tokens.issue_access_token(user.id)
        logger.info("user signed in: user_id=%s", user.id)
        return SignInResult(user=user, access_token=token)

    async def _find_user(self, email: str) -> User | None:
        try:
            email_normalized = normalize_email(email)
        except InvalidEmail:
            return None
        async with self._uow() as uow:
            return await uow.users.get_by_email(email_normalized)

    async def _rehash(self, user: User, password: str) -> None:
        new_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            current = await uow.users.get(user.id)
            # Skip when the password changed meanwhile: the new hash belongs to the old one.
            if current is None or current.password_hash != user.password_hash:
                return
            current.replace_hash(new_hash, self._clock.now())
            await uow.users.update(current)
            await uow.commit()
        logger.info("password hash upgraded to current parameters: user_id=%s", user.id)


class GetCurrentUser:
    """Load the user an access token names; raises UserNotFound once the account is gone."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise UserNotFound("The account no longer exists.")
        return user


class UpdateProfile:
    """Merge changes into a user's profile and settings; nothing else can be changed here.

    Raises ValidationFailed when a document grows past its size limit and
    UserNotFound when the account is gone.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        profile: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound("The account no longer exists.")
            user.update_profile(self._clock.now(), profile=profile, settings=settings)
            _check_document_size("profile", user.profile)
            _check_document_size("settings", user.settings)
            await uow.users.update(user)
            await uow.commit()
        return user


def _check_document_size(name: str, document: dict[str, Any] | None) -> None:
    if document is None:
        return
    size = len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(f"The {name} is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}.")
