"""Ports: the interfaces use cases need from the outside world."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from elenchos.application.audit_ports import AuditLogRepository
from elenchos.application.organisation_ports import (
    InvitationRepository,
    MembershipRepository,
    OrganisationRepository,
)
from elenchos.domain.outbox import OutboxMessage
from elenchos.domain.sessions import RefreshToken, Session, SessionEndReason
from elenchos.domain.tokens import TokenPurpose, UserToken
from elenchos.domain.users import User


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware in UTC."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Stage a new user; raises EmailAlreadyRegistered at the latest on commit."""
        ...

    async def get(self, user_id: uuid.UUID) -> User | None: ...

    async def get_by_email(self, email_normalized: str) -> User | None: ...

    async def update(self, user: User) -> None:
        """Stage the new state of an existing user."""
        ...


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...

    async def claim_due(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[OutboxMessage]:
        """Return up to limit pending messages due by now and lease them until lease_until.

        A leased message is invisible to other dispatchers until the lease ends,
        so concurrent dispatchers never send one message twice.
        """
        ...

    async def update(self, message: OutboxMessage) -> None: ...

    async def get(self, message_id: uuid.UUID) -> OutboxMessage | None: ...

    async def pending_summary(self) -> tuple[int, datetime | None]:
        """Return how many messages are pending and when the oldest was created."""
        ...


class UserTokenRepository(Protocol):
    """One-time link tokens, found by the SHA-256 digest of the raw token."""

    async def add(self, token: UserToken) -> None: ...

    async def get_by_hash(self, token_hash: str) -> UserToken | None: ...

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Set used_at unless it is set, and return False when another request set it first."""
        ...

    async def delete_unused(self, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
        """Delete the user's tokens of this purpose that were never used."""
        ...


class SessionRepository(Protocol):
    """Sign-in sessions and their refresh tokens, found by the SHA-256 digest of the raw token."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: uuid.UUID) -> Session | None: ...

    async def update(self, session: Session) -> None:
        """Stage the new last use, expiry and organisation of an existing session."""
        ...

    async def list_active(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        """Return the user's sessions that are neither revoked nor expired, newest first."""
        ...

    async def revoke(
        self, session_id: uuid.UUID, now: datetime, reason: SessionEndReason
    ) -> bool:
        """Revoke the session unless it is revoked; return False when it already was."""
        ...

    async def revoke_all(
        self,
        user_id: uuid.UUID,
        now: datetime,
        reason: SessionEndReason,
        keep: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        """Revoke every unrevoked session of the user except keep; return the revoked ids."""
        ...

    async def add_refresh_token(self, token: RefreshToken) -> None: ...

    async def get_refresh_token(self, token_id: uuid.UUID) -> RefreshToken | None: ...

    async def get_refresh_token_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def retire_refresh_token(
        self, token_id: uuid.UUID, now: datetime, successor_id: uuid.UUID, sealed_successor: bytes
    ) -> bool:
        """Retire the token unless it is retired; return False when another request did first.

        Of two concurrent calls for one token exactly one returns True, so a
        token never gets two successors.
        """
        ...


class UnitOfWork(Protocol):
    """One database transaction and the repositories that work inside it.

    Leaving the context without calling commit() rolls everything back.
    """

    users: UserRepository
    outbox: OutboxRepository
    tokens: UserTokenRepository
    organisations: OrganisationRepository
    memberships: MembershipRepository
    invitations: InvitationRepository
    sessions: SessionRepository
    audit: AuditLogRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make the transaction's changes durable; raises a DomainError on a conflict."""
        ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Return whether the password matches; never raises for a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    token_id: str


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: uuid.UUID
    token_id: str
    issued_at: datetime
    expires_at: datetime
    extra: dict[str, Any]


class TokenIssuer(Protocol):
    def issue_access_token(
        self, user_id: uuid.UUID, extra_claims: dict[str, Any] | None = None
    ) -> IssuedToken: ...

    def verify_access_token(self, token: str) -> AccessClaims:
        """Return the claims of a valid token; raises InvalidToken otherwise."""
        ...
