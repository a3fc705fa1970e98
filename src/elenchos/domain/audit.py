"""Security events: the audit trail of what happened to accounts and organisations."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class SecurityEventType(enum.StrEnum):
    SIGN_IN_SUCCEEDED = "sign_in.succeeded"
    SIGN_IN_FAILED = "sign_in.failed"
    SIGNED_OUT = "session.signed_out"
    SESSION_REVOKED = "session.revoked"
    REFRESH_TOKEN_REUSE_DETECTED = "refresh_token.reuse_detected"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET = "password.reset"
    EMAIL_VERIFIED = "email.verified"
    ACCOUNT_DISABLED = "account.disabled"
    ACCOUNT_ENABLED = "account.enabled"
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_DELETED = "organisation.deleted"
    INVITATION_SENT = "invitation.sent"
    INVITATION_ACCEPTED = "invitation.accepted"
    INVITATION_REVOKED = "invitation.revoked"
    ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    MEMBER_LEFT = "member.left"
    OWNERSHIP_TRANSFERRED = "organisation.ownership_transferred"


@dataclass(slots=True)
class SecurityEvent:
    """One audited event.

    actor_user_id did it, subject_user_id is the account it happened to (the
    same for most account events), and organisation_id scopes it to one
    tenant's audit log. `details` must not contain a password, token or secret.
    """

    id: uuid.UUID
    type: SecurityEventType
    occurred_at: datetime
    actor_user_id: uuid.UUID | None = None
    subject_user_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def record(
        cls,
        type: SecurityEventType,
        occurred_at: datetime,
        *,
        actor_user_id: uuid.UUID | None = None,
        subject_user_id: uuid.UUID | None = None,
        organisation_id: uuid.UUID | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> SecurityEvent:
        return cls(
            id=uuid.uuid4(),
            type=type,
            occurred_at=occurred_at,
            actor_user_id=actor_user_id,
            subject_user_id=subject_user_id,
            organisation_id=organisation_id,
            ip_address=ip_address,
            user_agent=user_agent,
            details=dict(details or {}),
        )
