"""The SQL audit log: security events with keyset pages, newest first."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from elenchos.adapters.sqlalchemy import tables
from elenchos.application.audit_ports import SecurityEventQuery
from elenchos.domain.audit import SecurityEvent, SecurityEventType

_events = tables.security_events


def _event_values(event: SecurityEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type.value,
        "occurred_at": event.occurred_at,
        "actor_user_id": event.actor_user_id,
        "subject_user_id": event.subject_user_id,
        "organisation_id": event.organisation_id,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "details": event.details,
    }


def _event_from_row(row: Any) -> SecurityEvent:
    return SecurityEvent(
        id=row.id,
        type=SecurityEventType(row.type),
        occurred_at=row.occurred_at,
        actor_user_id=row.actor_user_id,
        subject_user_id=row.subject_user_id,
        organisation_id=row.organisation_id,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        details=dict(row.details or {}),
    )


class SqlAuditLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, event: SecurityEvent) -> None:
        await self._session.execute(sa.insert(_events).values(_event_values(event)))

    async def list_for_user(
        self, user_id: uuid.UUID, query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        return await self._page(_events.c.subject_user_id == user_id, query)

    async def list_for_organisation(
        self, organisation_id: uuid.UUID, query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        return await self._page(_events.c.organisation_id == organisation_id, query)

    async def _page(
        self, scope: sa.ColumnElement[bool], query: SecurityEventQuery
    ) -> list[SecurityEvent]:
        statement = sa.select(_events).where(scope)
        if query.types:
            statement = statement.where(_events.c.type.in_(sorted(query.types)))
        if query.since is not None:
            statement = statement.where(_events.c.occurred_at >= query.since)
        if query.until is not None:
            statement = statement.where(_events.c.occurred_at < query.until)
        if query.after is not None:
            after = query.after
            statement = statement.where(
                sa.or_(
                    _events.c.occurred_at < after.occurred_at,
                    sa.and_(
                        _events.c.occurred_at == after.occurred_at,
                        _events.c.id < after.event_id,
                    ),
                )
            )
        statement = statement.order_by(_events.c.occurred_at.desc(), _events.c.id.desc()).limit(
            query.limit
        )
        result = await self._session.execute(statement)
        return [_event_from_row(row) for row in result]
