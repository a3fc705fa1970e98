"""Password reset by mail link and password change by a signed-in user."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from elenchos.application.account_mail import (
    queue_password_changed_mail,
    queue_password_reset_mail,
)
from elenchos.application.accounts import ClientInfo
from elenchos.application.audit import record_event
from elenchos.application.link_tokens import consume_link_token, find_link_token
from elenchos.application.mail_requests import MailOnRequest
from elenchos.application.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from elenchos.application.session_state import SessionStateCache
from elenchos.application.sessions import end_sessions, forget_sessions
from elenchos.application.sign_in_limits import SignInLimits
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import (
    AccountDisabled,
    CurrentPasswordIncorrect,
    LinkTokenInvalid,
    UserNotFound,
)
from elenchos.domain.sessions import SessionEndReason
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
    """Set a new password with a reset link's token, void every other reset link, end every session.

    Raises LinkTokenInvalid, LinkTokenUsed, LinkTokenExpired, InvalidPassword
    or AccountDisabled.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        session_cache: SessionStateCache | None = None,
        sign_in_limits: SignInLimits | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._session_cache = session_cache
        self._sign_in_limits = sign_in_limits

    async def __call__(
        self, token: str, new_password: str, client: ClientInfo | None = None
    ) -> None:
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
                await _record(uow, SecurityEventType.EMAIL_VERIFIED, now, client, current)
            await uow.users.update(current)
            await _record(uow, SecurityEventType.PASSWORD_RESET, now, client, current)
            await uow.tokens.delete_unused(current.id, TokenPurpose.PASSWORD_RESET)
            # Anyone who knew the old password may hold a session, so every session ends.
            ended = await end_sessions(uow, current.id, now, SessionEndReason.PASSWORD_RESET)
            await queue_password_changed_mail(uow, current, now)
            await uow.commit()
        forget_sessions(self._session_cache, ended)
        # The owner proved control of the mailbox, so failed sign-ins by
        # someone else must no longer keep them out.
        if self._sign_in_limits is not None:
            await self._sign_in_limits.clear_account(current.email_normalized)
        logger.info("password reset: user_id=%s sessions_ended=%d", current.id, len(ended))

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

    Every session but current_session_id ends. Raises
    CurrentPasswordIncorrect, InvalidPassword or UserNotFound.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        session_cache: SessionStateCache | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._session_cache = session_cache

    async def __call__(
        self,
        user_id: uuid.UUID,
        current_password: str,
        new_password: str,
        current_session_id: uuid.UUID | None = None,
        client: ClientInfo | None = None,
    ) -> None:
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
            await _record(uow, SecurityEventType.PASSWORD_CHANGED, now, client, current)
            await uow.tokens.delete_unused(current.id, TokenPurpose.PASSWORD_RESET)
            ended = await end_sessions(
                uow, user_id, now, SessionEndReason.PASSWORD_CHANGED, keep=current_session_id
            )
            await queue_password_changed_mail(uow, current, now)
            await uow.commit()
        forget_sessions(self._session_cache, ended)
        logger.info("password changed: user_id=%s sessions_ended=%d", user_id, len(ended))


async def _record(
    uow: UnitOfWork,
    type: SecurityEventType,
    now: datetime,
    client: ClientInfo | None,
    user: User,
) -> None:
    await record_event(uow, type, now, client, actor_user_id=user.id, subject_user_id=user.id)


async def _load(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise LinkTokenInvalid("The link is not valid.")
    return user
