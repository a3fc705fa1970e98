"""Response bodies of the security event and audit log API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from elenchos.application.audit import SecurityEventPage
from elenchos.domain.audit import SecurityEvent, SecurityEventType


class SecurityEventResponse(BaseModel):
    id: uuid.UUID
    type: SecurityEventType
    occurred_at: datetime
    actor_user_id: uuid.UUID | None = Field(
        description="The user who acted; null for anonymous attempts and operator commands."
    )
    subject_user_id: uuid.UUID | None = Field(
        description="The account the event happened to, when it concerns one."
    )
    organisation_id: uuid.UUID | None
    ip_address: str | None = Field(
        description=(
            "The actor's IP address; in your own events null when another user acted."
        )
    )
    user_agent: str | None
    details: dict[str, Any] = Field(
        description="Event-specific facts, such as the new role; never a password or token."
    )

    @classmethod
    def of(cls, event: SecurityEvent) -> SecurityEventResponse:
        return cls(
            id=event.id,
            type=event.type,
            occurred_at=event.occurred_at,
            actor_user_id=event.actor_user_id,
            subject_user_id=event.subject_user_id,
            organisation_id=event.organisation_id,
            ip_address=event.ip_address,
            user_agent=event.user_agent,
            details=event.details,
        )


class SecurityEventPageResponse(BaseModel):
    items: list[SecurityEventResponse]
    next_cursor: str | None = Field(
        description="Pass as cursor to read the next page; null on the last page."
    )

    @classmethod
    def of(cls, page: SecurityEventPage) -> SecurityEventPageResponse:
        return cls(
            items=[SecurityEventResponse.of(event) for event in page.items],
            next_cursor=page.next_cursor,
        )
