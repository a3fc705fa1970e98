"""The SQLAlchemy unit of work: one AsyncSession, one transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from elenchos.adapters.sqlalchemy.audit import SqlAuditLogRepository
from elenchos.adapters.sqlalchemy.errors import translate_integrity_error
from elenchos.adapters.sqlalchemy.organisation_repositories import (
    SqlInvitationRepository,
    SqlMembershipRepository,
    SqlOrganisationRepository,
)
from elenchos.adapters.sqlalchemy.repositories import SqlOutboxRepository, SqlUserRepository
from elenchos.adapters.sqlalchemy.sessions import SqlSessionRepository
from elenchos.adapters.sqlalchemy.tokens import SqlUserTokenRepository
from elenchos.application.audit_ports import AuditLogRepository
from elenchos.application.organisation_ports import (
    InvitationRepository,
    MembershipRepository,
    OrganisationRepository,
)
from elenchos.application.ports import (
    OutboxRepository,
    SessionRepository,
    UserRepository,
    UserTokenRepository,
)


class SqlUnitOfWork:
    """A transaction that rolls back unless commit() was called."""

    # Declared with the port's types, because the UnitOfWork protocol's
    # attributes are invariant.
    users: UserRepository
    outbox: OutboxRepository
    tokens: UserTokenRepository
    organisations: OrganisationRepository
    memberships: MembershipRepository
    invitations: InvitationRepository
    sessions: SessionRepository
    audit: AuditLogRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self.users = SqlUserRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.tokens = SqlUserTokenRepository(self.session)
        self.organisations = SqlOrganisationRepository(self.session)
        self.memberships = SqlMembershipRepository(self.session)
        self.invitations = SqlInvitationRepository(self.session)
        self.sessions = SqlSessionRepository(self.session)
        self.audit = SqlAuditLogRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except IntegrityError as exc:
            error = translate_integrity_error(exc)
            if error is None:
                raise
            raise error from exc

    async def rollback(self) -> None:
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._session_factory)
