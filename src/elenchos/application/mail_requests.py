"""The shared shape of anonymous requests that mail an address: resend and reset."""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from elenchos.application.accounts import ClientInfo
from elenchos.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from elenchos.application.rate_limits import MailRequestLimits
from elenchos.domain.errors import InvalidEmail
from elenchos.domain.tokens import TokenPurpose
from elenchos.domain.users import User, normalize_email

logger = logging.getLogger(__name__)


class MailOnRequest(ABC):
    """Queue a link mail to an address if its account qualifies, and return alike either way.

    Raises RateLimited when the client's IP address is over its limit. Every
    other outcome, including an address over its own limit, returns None, so
    the caller's response cannot reveal whether the address has an account.
    """

    purpose: TokenPurpose

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, limits: MailRequestLimits, ttl: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._limits = limits
        self._ttl = ttl

    async def __call__(self, email: str, client: ClientInfo | None = None) -> None:
        await self._limits.check_client(client.ip_address if client else None)
        try:
            email_normalized = normalize_email(email)
        except InvalidEmail:
            return
        if not await self._limits.address_allowed(email_normalized):
            return
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email_normalized)
            if user is not None and self._qualifies(user):
                await self._queue(uow, user, now)
                logger.info("%s mail queued: user_id=%s", self.purpose.value, user.id)
            else:
                # The same statement that issuing a token starts with, so the
                # response time does not reveal whether a mail was queued.
                await uow.tokens.delete_unused(uuid.uuid4(), self.purpose)
            await uow.commit()

    @abstractmethod
    def _qualifies(self, user: User) -> bool: ...

    @abstractmethod
    async def _queue(self, uow: UnitOfWork, user: User, now: datetime) -> None: ...
