"""Email verification: confirming a link and sending a new one."""

from __future__ import annotations

import logging
from datetime import datetime

from elenchos.application.account_mail import queue_verification_mail
from elenchos.application.accounts import ClientInfo
from elenchos.application.audit import record_event
from elenchos.application.link_tokens import consume_link_token
from elenchos.application.mail_requests import MailOnRequest
from elenchos.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import LinkTokenInvalid
from elenchos.domain.tokens import TokenPurpose
from elenchos.domain.users import User

logger = logging.getLogger(__name__)


class VerifyEmail:
    """Verify the address of the account a verification link belongs to.

    Raises LinkTokenInvalid, LinkTokenUsed or LinkTokenExpired.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, token: str, client: ClientInfo | None = None) -> User:
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await consume_link_token(uow, token, TokenPurpose.EMAIL_VERIFICATION, now)
            user = await uow.users.get(stored.user_id)
            if user is None:
                raise LinkTokenInvalid("The link is not valid.")
            if not user.is_verified:
                user.mark_verified(now)
                await uow.users.update(user)
                await record_event(
                    uow,
                    SecurityEventType.EMAIL_VERIFIED,
                    now,
                    client,
                    actor_user_id=user.id,
                    subject_user_id=user.id,
                )
            await uow.commit()
        logger.info("email verified: user_id=%s", user.id)
        return user


class ResendVerification(MailOnRequest):
    """Send a new verification link to an unverified account, if the address has one.

    Returns alike whether or not a mail was queued. Raises RateLimited when
    the client's IP address is over its limit.
    """

    purpose = TokenPurpose.EMAIL_VERIFICATION

    def _qualifies(self, user: User) -> bool:
        return not user.is_verified and not user.is_disabled

    async def _queue(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        await queue_verification_mail(uow, user, now, self._ttl)
