"""Operator use cases behind `elenchos users ...`: the first owner and support work."""

from __future__ import annotations

import logging
import uuid

from elenchos.application.ports import Clock, PasswordHasher, UnitOfWorkFactory, UserRepository
from elenchos.domain.errors import EmailAlreadyRegistered, UserNotFound
from elenchos.domain.users import User, UserStatus, check_password_policy, normalize_email

logger = logging.getLogger(__name__)


class CreateUser:
    """Create an active, verified account; raises EmailAlreadyRegistered or InvalidPassword.

    Unlike sign-up it tells an existing address apart, because only an
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
    """Disable or re-enable an account by email; raises UserNotFound."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, email: str, status: UserStatus) -> User:
        async with self._uow() as uow:
            user = await _require_user(uow.users, email)
            if status is UserStatus.ACTIVE and not user.is_verified:
                # Enabling an unverified account restores "pending", not "active".
                status = UserStatus.PENDING_VERIFICATION
            user.status = status
            user.updated_at = self._clock.now()
            await uow.users.update(user)
            await uow.commit()
        logger.info("operator set user status: user_id=%s status=%s", user.id, status.value)
        return user


class SetPassword:
    """Replace an account's password by email; raises UserNotFound or InvalidPassword."""

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, email: str, password: str) -> uuid.UUID:
        check_password_policy(password, email)
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user = await _require_user(uow.users, email)
            user.change_password_hash(password_hash, self._clock.now())
            await uow.users.update(user)
            await uow.commit()
        logger.info("operator set a new password: user_id=%s", user.id)
        return user.id


async def _require_user(users: UserRepository, email: str) -> User:
    user = await users.get_by_email(normalize_email(email))
    if user is None:
        raise UserNotFound(f"No account has the address {email!r}.")
    return user
