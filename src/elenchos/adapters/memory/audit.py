"""The in-memory audit log, filtered and ordered like the SQL one."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from elenchos.adapters.memory.database import Transaction
from elenchos.application.audit_ports import SecurityEventQuery
from elenchos.domain.audit import SecurityEvent

SECURITY_EVENTS = "security_events"


class InMemoryAuditLogRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, event: SecurityEvent) -> None:
        self._transaction.put(SECURITY_EVENTS, event.id, event)

    async def list_for_user(
        self, user_id: uuid.UUID, query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        return self._page(lambda event: event.subject_user_id == user_id, query)

    async def list_for_organisation(
        self, organisation_id: uuid.UUID, query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        return self._page(lambda event: event.organisation_id == organisation_id, query)

    def all(self) -> list[SecurityEvent]:
        """Return every visible event, oldest first; for assertions in tests."""
        events: list[SecurityEvent] = list(self._transaction.scan(SECURITY_EVENTS))
        events.sort(key=lambda event: (event.occurred_at, event.id))
        return events

    def _page(
        self, belongs: Callable[[SecurityEvent], bool], query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        events = [
            event
            for event in self._transaction.scan(SECURITY_EVENTS)
            if belongs(event) and query.matches(event)
        ]
        events.sort(key=lambda event: (event.occurred_at, event.id), reverse=True)
        return events[: query.limit]
