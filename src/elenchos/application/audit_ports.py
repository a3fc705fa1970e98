"""The audit log port: security events stored in the transaction of the change they record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from elenchos.domain.audit import SecurityEvent, SecurityEventType


@dataclass(frozen=True, slots=True)
class SecurityEventPosition:
    """The sort key of the last event on a page, where the next page starts."""

    occurred_at: datetime
    event_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class SecurityEventQuery:
    """A page of events, newest first.

    An empty `types` matches every type. `since` is inclusive and `until`
    exclusive; `after` is the position of the previous page's last event.
    """

    limit: int
    types: frozenset[SecurityEventType] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    after: SecurityEventPosition | None = None

    def matches(self, event: SecurityEvent) -> bool:
        """Return whether the event passes the filters and lies after the position."""
        if self.types and event.type not in self.types:
            return False
        if self.since is not None and event.occurred_at < self.since:
            return False
        if self.until is not None and event.occurred_at >= self.until:
            return False
        if self.after is not None:
            return (event.occurred_at, event.id) < (self.after.occurred_at, self.after.event_id)
        return True


class AuditLogRepository(Protocol):
    async def add(self, event: SecurityEvent) -> None:
        """Stage an event; it becomes visible when the unit of work commits."""
        ...

    async def list_for_user(
        self, user_id: uuid.UUID, query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        """Return up to query.limit events whose subject is the user, newest first."""
        ...

    async def list_for_organisation(
        self, organisation_id: uuid.UUID, query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        """Return up to query.limit events of the organisation, newest first."""
        ...
