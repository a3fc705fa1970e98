"""Outbox messages: mail queued in the same transaction as the change that caused it."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(slots=True)
class OutboxMessage:
    """One mail to render and send: a template name, a recipient and the template context.

    The context can hold a one-time link token, so it is cleared once the mail
    is sent or has failed for good.
    """

    id: uuid.UUID
    template: str
    recipient: str
    context: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None

    @classmethod
    def queue(
        cls, template: str, recipient: str, context: dict[str, Any], now: datetime
    ) -> OutboxMessage:
        return cls(
            id=uuid.uuid4(),
            template=template,
            recipient=recipient,
            context=dict(context),
            created_at=now,
            next_attempt_at=now,
        )
