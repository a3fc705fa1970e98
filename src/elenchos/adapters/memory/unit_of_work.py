"""The in-memory unit of work."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from elenchos.adapters.memory.audit import InMemoryAuditLogRepository
from elenchos.adapters.memory.database import InMemoryDatabase, Transaction
from elenchos.adapters.memory.organisations import (
    InMemoryInvitationRepository,
    InMemoryMembershipRepository,
    InMemoryOrganisationRepository,
    register_organisation_indexes,
)
from elenchos.adapters.memory.repositories import (
    InMemoryOutboxRepository,
    InMemoryUserRepository,
    register_indexes,
)
from elenchos.adapters.memory.sessions import InMemorySessionRepository, register_session_indexes
from elenchos.adapters.memory.tokens import InMemoryUserTokenRepository, register_token_indexes
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


class InMemoryUnitOfWork:
    """A transaction over an InMemoryDatabase; leaving without commit() discards its writes."""

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

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database
        self._transaction = Transaction(database)
        self.users = InMemoryUserRepository(self._transaction)
        self.outbox = InMemoryOutboxRepository(self._transaction)
        self.tokens = InMemoryUserTokenRepository(self._transaction)
        self.organisations = InMemoryOrganisationRepository(self._transaction)
        self.memberships = InMemoryMembershipRepository(self._transaction)
        self.invitations = InMemoryInvitationRepository(self._transaction)
        self.sessions = InMemorySessionRepository(self._transaction)
        self.audit = InMemoryAuditLogRepository(self._transaction)
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        self._transaction.commit()
        self.committed = True

    async def rollback(self) -> None:
        self._transaction.rollback()


class InMemoryUnitOfWorkFactory:
    """Make units of work over one shared in-memory database.

    Applications that embed Elenchos pass this to elenchos.bootstrap.build in
    their own integration tests in place of the SQLAlchemy adapter.
    """

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        self.database = database or InMemoryDatabase()
        register_indexes(self.database)
        register_token_indexes(self.database)
        register_organisation_indexes(self.database)
        register_session_indexes(self.database)

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.database)
