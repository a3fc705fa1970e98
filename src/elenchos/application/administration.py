"""Operator use cases behind `elenchos users ...`: the first owner and support work."""

from __future__ import annotations

import logging
import uuid

from elenchos.application.audit import record_event
from elenchos.application.ports import Clock, PasswordHasher, UnitOfWorkFactory, UserRepository
from elenchos.application.sessions import end_sessions
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import EmailAlreadyRegistered, UserNotFound
from elenchos.domain.sessions import SessionEndReason
from elenchos.domain.users import User, UserStatus, check_password_policy, normalize_email

logger = logging.getLogger(__name__)

# Operator commands run from the CLI with no signed-in actor, so their events
# carry no actor and name the operator in the details instead.
OPERATOR_DETAILS = {"by": "operator"}


class CreateUser:
    """Create an active, verified account; raises EmailAlreadyRegistered or InvalidPassword.

    Unlike sign-up it reports an existing address, because only an
    operator with database access can run it.
    """

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, email: str, password: str, display_name: str | None = None) -> User:
        email_normalized = normalize_email(email)
        check_password_policy(password, email)
        password_hash = await self._hasher.hash(password)
        profile = {"display_name": display_name} if display_name else None
        async with self._uow() as uow:
            if await uow.users.get_by_email(email_normalized) is not None:
                raise EmailAlreadyRegistered("The email address already has an account.")
            user = User.register(email, password_hash, self._clock.now(), profile, verified=True)
            await uow.users.add(user)
            await uow.commit()
        logger.info("operator created user: user_id=%s", user.id)
        return user


class SetUserStatus:
    """Disable or re-enable an account by email; disabling ends every session. Raises UserNotFound.

    The CLI runs in its own process, so each server process rejects the
    ended sessions' access tokens once its session cache entry expires.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, email: str, status: UserStatus) -> User:
        async with self._uow() as uow:
            user = await _require_user(uow.users, email)
            if status is UserStatus.ACTIVE and not user.is_verified:
                # Enabling an unverified account restores "pending", not "active".
                status = UserStatus.PENDING_VERIFICATION
            now = self._clock.now()
            was_disabled = user.is_disabled
            user.status = status
            user.updated_at = now
            await uow.users.update(user)
            if user.is_disabled != was_disabled:
                event = (
                    SecurityEventType.ACCOUNT_DISABLED
                    if user.is_disabled
                    else SecurityEventType.ACCOUNT_ENABLED
                )
                await record_event(
                    uow, event, now, subject_user_id=user.id, details=OPERATOR_DETAILS
                )
            ended: list[uuid.UUID] = []
            if status is UserStatus.DISABLED:
                ended = await end_sessions(uow, user.id, now, SessionEndReason.ACCOUNT_DISABLED)
            await uow.commit()
        logger.info(
            "operator set user status: user_id=%s status=%s sessions_ended=%d",
            user.id,
            status.value,
            len(ended),
        )
        return user


class SetPassword:
    """Replace an account's password by email and end its sessions.

    Raises UserNotFound or InvalidPassword.
    """

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, email: str, password: str) -> uuid.UUID:
        check_password_policy(password, email)
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user = await _require_user(uow.users, email)
            now = self._clock.now()
            user.change_password_hash(password_hash, now)
            await uow.users.update(user)
            await record_event(
                uow,
                SecurityEventType.PASSWORD_RESET,
                now,
                subject_user_id=user.id,
                details=OPERATOR_DETAILS,
            )
            await end_sessions(uow, user.id, now, SessionEndReason.PASSWORD_RESET)
            await uow.commit()
        logger.info("operator set a new password: user_id=%s", user.id)
        return user.id


async def _require_user(users: UserRepository, email: str) -> User:
    user = await users.get_by_email(normalize_email(email))
    if user is None:
        raise UserNotFound(f"No account has the address {email!r}.")
    return user
