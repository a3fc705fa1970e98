"""Invitations: an email address asked to join an organisation with a role."""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from elenchos.domain.errors import (
    InvitationAlreadyUsed,
    InvitationEmailMismatch,
    InvitationExpired,
    InvitationRevoked,
)
from elenchos.domain.roles import Role
from elenchos.domain.users import normalize_email

# 32 random bytes: 256 bits, so guessing a live token is hopeless.
TOKEN_BYTES = 32


class InvitationStatus(enum.StrEnum):
    """The stored status. An expired invitation is stored as pending past its expiry."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class InvitationState(enum.StrEnum):
    """The status as callers see it, with expiry worked out."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


def new_invitation_token() -> tuple[str, str]:
    """Return a fresh token for the link and the SHA-256 hash that is stored in its place."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_invitation_token(token)


def hash_invitation_token(token: str) -> str:
    # A fast hash is enough: the token is random with 256 bits of entropy, so
    # there is nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(slots=True)
class Invitation:
    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    email_normalized: str
    role: Role
    token_hash: str
    status: InvitationStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    # The member who sent or last renewed the invitation. Removing that member
    # from the organisation leaves the invitation valid, because it was made on
    # the organisation's behalf; only revoking it ends it.
    invited_by: uuid.UUID | None = None
    accepted_at: datetime | None = None
    accepted_by: uuid.UUID | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        organisation_id: uuid.UUID,
        email: str,
        role: Role,
        invited_by: uuid.UUID,
        token_hash: str,
        now: datetime,
        ttl: timedelta,
    ) -> Invitation:
        return cls(
            id=uuid.uuid4(),
            organisation_id=organisation_id,
            email=email.strip(),
            email_normalized=normalize_email(email),
            role=role,
            token_hash=token_hash,
            status=InvitationStatus.PENDING,
            created_at=now,
            updated_at=now,
            expires_at=now + ttl,
            invited_by=invited_by,
        )

    def state(self, now: datetime) -> InvitationState:
        if self.status is InvitationStatus.PENDING and self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState(self.status.value)

    def renew(
        self, role: Role, invited_by: uuid.UUID, token_hash: str, now: datetime, ttl: timedelta
    ) -> None:
        """Give the pending invitation a new token, role and expiry; the old link stops working."""
        self.role = role
        self.invited_by = invited_by
        self.token_hash = token_hash
        self.expires_at = now + ttl
        self.updated_at = now

    def check_renewable(self) -> None:
        """Raise InvitationRevoked or InvitationAlreadyUsed; a pending one may be expired."""
        if self.status is InvitationStatus.REVOKED:
            raise InvitationRevoked("The invitation was revoked. Invite the address again.")
        if self.status is InvitationStatus.ACCEPTED:
            raise InvitationAlreadyUsed("The invitation was already accepted.")

    def check_usable(self, now: datetime) -> None:
        """Raise InvitationRevoked, InvitationAlreadyUsed or InvitationExpired unless pending."""
        state = self.state(now)
        if state is InvitationState.REVOKED:
            raise InvitationRevoked("The invitation was revoked. Ask for a new one.")
        if state is InvitationState.ACCEPTED:
            raise InvitationAlreadyUsed("The invitation was already accepted.")
        if state is InvitationState.EXPIRED:
            raise InvitationExpired("The invitation has expired. Ask for a new one.")

    def check_addressed_to(self, email_normalized: str) -> None:
        """Raise InvitationEmailMismatch unless the invitation names this normalized address."""
        if self.email_normalized != email_normalized:
            raise InvitationEmailMismatch(
                "The invitation was sent to another email address. Sign in with that "
                "address to accept it."
            )

    def accept(self, user_id: uuid.UUID, now: datetime) -> None:
        self.check_usable(now)
        self.status = InvitationStatus.ACCEPTED
        self.accepted_at = now
        self.accepted_by = user_id
        self.updated_at = now

    def revoke(self, now: datetime) -> None:
        """Revoke a pending or expired invitation, or raise InvitationAlreadyUsed once accepted.

        Revoking a revoked invitation changes nothing.
        """
        if self.status is InvitationStatus.ACCEPTED:
            raise InvitationAlreadyUsed("The invitation was already accepted.")
        if self.status is InvitationStatus.REVOKED:
            return
        self.status = InvitationStatus.REVOKED
        self.revoked_at = now
        self.updated_at = now
