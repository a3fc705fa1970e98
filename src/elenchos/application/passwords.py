"""Password reset by mail link and password change by a signed-in user."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from elenchos.application.account_mail import (
    queue_password_changed_mail,
    queue_password_reset_mail,
)
from elenchos.application.link_tokens import consume_link_token, find_link_token
from elenchos.application.mail_requests import MailOnRequest
from elenchos.application.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from elenchos.domain.errors import (
    AccountDisabled,
    CurrentPasswordIncorrect,
    LinkTokenInvalid,
    UserNotFound,
)
from elenchos.domain.tokens import TokenPurpose
from elenchos.domain.users import User, check_password_policy

logger = logging.getLogger(__name__)


class RequestPasswordReset(MailOnRequest):
    """Mail a reset link to the address's account, if it has one that is not disabled.

    Returns alike whether or not a mail was queued. Raises RateLimited when
    the client's IP address is over its limit.
    """

    purpose = TokenPurpose.PASSWORD_RESET

    def _qualifies(self, user: User) -> bool:
        return not user.is_disabled

    async def _queue(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        await queue_password_reset_mail(uow, user, now, self._ttl)


class ConfirmPasswordReset:
    """Set a new password with a reset link's token, and void every other reset link.

    Raises LinkTokenInvalid, LinkTokenUsed, LinkTokenExpired, InvalidPassword
    or AccountDisabled.
    """

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, token: str, new_password: str) -> None:
        user = await self._user_of(token)
        check_password_policy(new_password, user.email)
        # Hash outside the transaction: the token's row stays unlocked while
        # the hasher works.
        password_hash = await self._hasher.hash(new_password)
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await consume_link_token(uow, token, TokenPurpose.PASSWORD_RESET, now)
            current = await _load(uow, stored.user_id)
            current.change_password_hash(password_hash, now)
            # Opening the link proved control of the mailbox.
            if not current.is_verified:
                current.mark_verified(now)
            await uow.users.update(current)
            await uow.tokens.delete_unused(current.id, TokenPurpose.PASSWORD_RESET)
            await queue_password_changed_mail(uow, current, now)
            await uow.commit()
        # NOTE: access tokens issued before the reset stay valid until they
        # expire. password_changed_at records the moment for a revocation check.
        logger.info("password reset: user_id=%s", current.id)

    async def _user_of(self, token: str) -> User:
        async with self._uow() as uow:
            stored = await find_link_token(
                uow, token, TokenPurpose.PASSWORD_RESET, self._clock.now()
            )
            user = await _load(uow, stored.user_id)
        if user.is_disabled:
            raise AccountDisabled("This account is disabled.")
        return user


class ChangePassword:
    """Replace a signed-in user's password after checking the current one.

    Raises CurrentPasswordIncorrect, InvalidPassword or UserNotFound.
    """

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, user_id: uuid.UUID, current_password: str, new_password: str) -> None:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise UserNotFound("The account no longer exists.")
        if not await self._hasher.verify(user.password_hash, current_password):
            logger.info("password change rejected: wrong current password for user_id=%s", user.id)
            raise CurrentPasswordIncorrect("The current password is incorrect.")
        check_password_policy(new_password, user.email)
        password_hash = await self._hasher.hash(new_password)

        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.users.get(user_id)
            if current is None:
                raise UserNotFound("The account no longer exists.")
            # Another change since the check above makes the verified password stale.
            if current.password_hash != user.password_hash:
                raise CurrentPasswordIncorrect("The current password is incorrect.")
            current.change_password_hash(password_hash, now)
            await uow.users.update(current)
            await uow.tokens.delete_unused(current.id, TokenPurpose.PASSWORD_RESET)
            await queue_password_changed_mail(uow, current, now)
            await uow.commit()
        logger.info("password changed: user_id=%s", user_id)


async def _load(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise LinkTokenInvalid("The link is not valid.")
    return user
