"""Account use cases: sign-up, sign-in, reading and updating the current user."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from elenchos.application.account_mail import (
    queue_sign_in_notice,
    queue_sign_up_attempt_notice,
    queue_verification_mail,
)
from elenchos.application.audit import record_event
from elenchos.application.organisation_tokens import organisation_claims
from elenchos.application.ports import (
    Clock,
    IssuedToken,
    PasswordHasher,
    TokenIssuer,
    UnitOfWorkFactory,
)
from elenchos.application.rate_limits import MailRequestLimits
from elenchos.application.sessions import DEFAULT_SESSION_LIFETIME, open_session, session_tokens
from elenchos.application.sign_in_limits import SignInLimits
from elenchos.application.user_cache import UserCache
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import (
    AccountDisabled,
    EmailAlreadyRegistered,
    EmailNotVerified,
    InvalidCredentials,
    InvalidEmail,
    UserNotFound,
    ValidationFailed,
)
from elenchos.domain.sessions import Session, SessionLifetime
from elenchos.domain.users import User, check_password_policy, normalize_email

logger = logging.getLogger(__name__)

# Profile and settings are free-form JSON; the bound keeps one account from
# storing megabytes in a row that every /v1/me request reads.
MAX_DOCUMENT_BYTES = 16 * 1024
DEFAULT_VERIFICATION_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The client's IP address and user agent, for notices and audit; either may be unknown."""

    ip_address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class SignInResult:
    user: User
    access_token: IssuedToken
    # The raw refresh token, shown once; the database keeps only its digest.
    refresh_token: str
    refresh_expires_in: int
    session_id: uuid.UUID


class SignUp:
    """Register an account and mail a verification link, or mail the owner of a taken address.

    Returns alike in both cases, so the caller's response cannot tell them
    apart. Raises InvalidEmail or InvalidPassword for input that breaks the
    policy.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        verification_ttl: timedelta = DEFAULT_VERIFICATION_TTL,
        notice_limits: MailRequestLimits | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._verification_ttl = verification_ttl
        self._notice_limits = notice_limits

    async def __call__(
        self, email: str, password: str, profile: dict[str, Any] | None = None
    ) -> None:
        email_normalized = normalize_email(email)
        check_password_policy(password, email)
        _check_document_size("profile", profile)
        # Hash before looking the address up, so a taken address costs the
        # same time as a free one.
        password_hash = await self._hasher.hash(password)

        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.users.get_by_email(email_normalized)
        if existing is not None:
            await self._notify_owner(existing, now)
            return
        async with self._uow() as uow:
            user = User.register(email, password_hash, now, profile)
            try:
                # PostgreSQL reports the unique violation at the INSERT,
                # SQLite and the memory adapter at commit; both are covered.
                await uow.users.add(user)
                await queue_verification_mail(uow, user, now, self._verification_ttl)
                await uow.commit()
            except EmailAlreadyRegistered:
                # A concurrent sign-up of the same address won the race.
                logger.info("sign-up lost a race for an address that now has an account")
                return
        logger.info("user signed up: user_id=%s", user.id)

    async def _notify_owner(self, owner: User, now: datetime) -> None:
        """Mail the owner of a taken address: a fresh link if unverified, else a notice."""
        if owner.is_disabled:
            return
        # Anyone can sign up with any address, so the limit keeps sign-up
        # from flooding an owner's mailbox. It is checked outside any unit of
        # work, because the database limiter writes in a transaction of its
        # own, which SQLite would make wait behind an open one.
        limits = self._notice_limits
        if limits is not None and not await limits.address_allowed(owner.email_normalized):
            return
        async with self._uow() as uow:
            if owner.is_verified:
                await queue_sign_up_attempt_notice(uow, owner, now)
            else:
                await queue_verification_mail(uow, owner, now, self._verification_ttl)
            await uow.commit()
        logger.info("sign-up with a registered address: owner notified, user_id=%s", owner.id)


class SignIn:
    """Check a password, start a session and queue the new-sign-in mail.

    Returns an access token bound to the session (its sid claim) and the
    session's first refresh token.

    The mail is skipped when the user's settings have notify_on_sign_in set
    to false. Raises InvalidCredentials (unknown email or wrong password
    alike), AccountDisabled, or EmailNotVerified when verification is required.
    With organisation_id the token carries org and org_role claims, and
    OrganisationNotFound is raised when the user is not a member of it.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        clock: Clock,
        dummy_password_hash: str,
        require_verified_email: bool = True,
        session_lifetime: SessionLifetime = DEFAULT_SESSION_LIFETIME,
        limits: SignInLimits | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._dummy_password_hash = dummy_password_hash
        self._require_verified_email = require_verified_email
        self._session_lifetime = session_lifetime
        self._limits = limits

    async def __call__(
        self,
        email: str,
        password: str,
        client: ClientInfo | None = None,
        organisation_id: uuid.UUID | None = None,
    ) -> SignInResult:
        client = client or ClientInfo()
        # Counted before the password is checked, and taken back below once it
        # proves right, so parallel guesses cannot slip past the limit.
        attempt = await self._limits.begin(email, client.ip_address) if self._limits else None
        user = await self._find_user(email)
        if user is None:
            # Verify against a dummy hash so an unknown address takes as long
            # as a wrong password and the timing reveals nothing.
            await self._hasher.verify(self._dummy_password_hash, password)
            await self._record_failure(None, client, "unknown_account")
            raise InvalidCredentials("The email or password is incorrect.")
        if not await self._hasher.verify(user.password_hash, password):
            logger.info("sign-in rejected: wrong password for user_id=%s", user.id)
            await self._record_failure(user.id, client, "wrong_password")
            raise InvalidCredentials("The email or password is incorrect.")
        if self._limits is not None and attempt is not None:
            await self._limits.password_verified(attempt)
        if user.is_disabled:
            await self._record_failure(user.id, client, "account_disabled")
            raise AccountDisabled("This account is disabled.")
        if self._require_verified_email and not user.is_verified:
            await self._record_failure(user.id, client, "email_not_verified")
            raise EmailNotVerified("Verify your email address before signing in.")
        claims = await self._organisation_claims(user.id, organisation_id)

        new_hash = None
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(password)
        session, refresh_token = await self._record_sign_in(
            user, new_hash, client or ClientInfo(), organisation_id
        )
        issued = session_tokens(self._tokens, session, refresh_token, claims, session.created_at)
        logger.info("user signed in: user_id=%s session_id=%s", user.id, session.id)
        return SignInResult(
            user=user,
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            refresh_expires_in=issued.refresh_expires_in,
            session_id=session.id,
        )

    async def _organisation_claims(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID | None
    ) -> dict[str, str] | None:
        """Return the org claims for a scoped token; raises OrganisationNotFound for non-members."""
        if organisation_id is None:
            return None
        async with self._uow() as uow:
            return await organisation_claims(uow, user_id, organisation_id)

    async def _record_failure(
        self, user_id: uuid.UUID | None, client: ClientInfo, reason: str
    ) -> None:
        """Record a failed sign-in; one for an unknown address has no subject.

        The attempted address is never stored: it may be a typo of someone
        else's address or a password typed into the wrong field. Unknown
        addresses are still recorded, with the client's IP address, so that
        password spraying shows in the table, and so that both kinds of
        failure cost the same database write.
        """
        async with self._uow() as uow:
            await record_event(
                uow,
                SecurityEventType.SIGN_IN_FAILED,
                self._clock.now(),
                client,
                subject_user_id=user_id,
                details={"reason": reason},
            )
            await uow.commit()

    async def _find_user(self, email: str) -> User | None:
        try:
            email_normalized = normalize_email(email)
        except InvalidEmail:
            return None
        async with self._uow() as uow:
            return await uow.users.get_by_email(email_normalized)

    async def _record_sign_in(
        self,
        user: User,
        new_hash: str | None,
        client: ClientInfo,
        organisation_id: uuid.UUID | None,
    ) -> tuple[Session, str]:
        """Start the session, store an upgraded hash and queue the sign-in mail, in one transaction.

        Returns the session and its raw refresh token.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.users.get(user.id)
            if current is None:
                raise InvalidCredentials("The email or password is incorrect.")
            session, refresh_token = await open_session(
                uow,
                current.id,
                now,
                self._session_lifetime,
                organisation_id,
                ip_address=client.ip_address,
                user_agent=client.user_agent,
            )
            # Skip the rehash when the password changed meanwhile: the new
            # hash belongs to the old password.
            rehash = new_hash is not None and current.password_hash == user.password_hash
            if rehash and new_hash is not None:
                current.replace_hash(new_hash, now)
                await uow.users.update(current)
            if current.settings.get("notify_on_sign_in", True) is not False:
                await queue_sign_in_notice(
                    uow, current, now, client.ip_address, client.user_agent
                )
            await record_event(
                uow,
                SecurityEventType.SIGN_IN_SUCCEEDED,
                now,
                client,
                actor_user_id=current.id,
                subject_user_id=current.id,
                details={"session_id": str(session.id)},
            )
            await uow.commit()
        if rehash:
            logger.info("password hash upgraded to current parameters: user_id=%s", user.id)
        return session, refresh_token


class GetCurrentUser:
    """Load the user an access token names; raises UserNotFound once the account is gone.

    With a cache, a user read within the cache's TTL is returned without a
    database round trip. The returned user is then shared, so callers must not
    mutate it.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock | None = None, cache: UserCache | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

    async def __call__(self, user_id: uuid.UUID) -> User:
        now = self._clock.now() if self._clock is not None else None
        if self._cache is not None and now is not None:
            cached = self._cache.get(user_id, now)
            if cached is not None:
                return cached
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise UserNotFound("The account no longer exists.")
        if self._cache is not None and now is not None:
            self._cache.store(user, now)
        return user


class UpdateProfile:
    """Merge changes into a user's profile and settings; nothing else can be changed here.

    Raises ValidationFailed when a document grows past its size limit and
    UserNotFound when the account is gone.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, cache: UserCache | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

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
        if self._cache is not None:
            self._cache.forget(user_id)
        return user


def _check_document_size(name: str, document: dict[str, Any] | None) -> None:
    if document is None:
        return
    size = len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(f"The {name} is {size} bytes; the limit is {MAX_DOCUMENT_BYTES}.")
