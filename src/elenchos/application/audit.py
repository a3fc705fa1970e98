"""The audit log: recording security events and reading them back a page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elenchos.application.access import authorize
from elenchos.application.audit_ports import SecurityEventPosition, SecurityEventQuery
from elenchos.application.pagination import check_limit, decode_event_cursor, encode_event_cursor
from elenchos.application.ports import UnitOfWork, UnitOfWorkFactory
from elenchos.domain.audit import SecurityEvent, SecurityEventType
from elenchos.domain.errors import ValidationFailed
from elenchos.domain.roles import Permission

if TYPE_CHECKING:
    # Imported for the annotation only: accounts.py records events through this module.
    from elenchos.application.accounts import ClientInfo


async def record_event(
    uow: UnitOfWork,
    type: SecurityEventType,
    now: datetime,
    client: ClientInfo | None = None,
    *,
    actor_user_id: uuid.UUID | None = None,
    subject_user_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Stage a security event in the caller's transaction, so it commits with the change."""
    event = SecurityEvent.record(
        type,
        now,
        actor_user_id=actor_user_id,
        subject_user_id=subject_user_id,
        organisation_id=organisation_id,
        ip_address=client.ip_address if client else None,
        user_agent=client.user_agent if client else None,
        details=details,
    )
    await uow.audit.add(event)


@dataclass(frozen=True, slots=True)
class SecurityEventFilter:
    """A reader's selection: event types (empty for all), a time range and a page."""

    types: frozenset[SecurityEventType] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class SecurityEventPage:
    items: list[SecurityEvent]
    next_cursor: str | None


def _query(selection: SecurityEventFilter) -> tuple[SecurityEventQuery, int]:
    """Return the repository query, one row longer than the page, and the page size."""
    page_size = check_limit(selection.limit)
    if selection.since and selection.until and selection.since >= selection.until:
        raise ValidationFailed("since must be earlier than until.")
    for name, value in (("since", selection.since), ("until", selection.until)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(f"{name} needs a time zone, for example 2026-01-01T00:00:00Z.")
    query = SecurityEventQuery(
        # One row more than the page shows whether another page follows.
        limit=page_size + 1,
        types=selection.types,
        since=selection.since,
        until=selection.until,
        after=decode_event_cursor(selection.cursor) if selection.cursor else None,
    )
    return query, page_size


def _page(rows: list[SecurityEvent], page_size: int) -> SecurityEventPage:
    items = rows[:page_size]
    next_cursor = None
    if len(rows) > page_size:
        last = items[-1]
        next_cursor = encode_event_cursor(SecurityEventPosition(last.occurred_at, last.id))
    return SecurityEventPage(items=items, next_cursor=next_cursor)


class ListMySecurityEvents:
    """List the events whose subject is the user, newest first.

    The IP address and user agent of an event that another user caused (an
    admin who removed the user, say) are left out, so members never learn
    where their admins work from. Raises InvalidCursor or ValidationFailed.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, user_id: uuid.UUID, selection: SecurityEventFilter
    ) -> SecurityEventPage:
        query, page_size = _query(selection)
        async with self._uow() as uow:
            rows = await uow.audit.list_for_user(user_id, query)
        page = _page(rows, page_size)
        items = [_hide_other_actor(event, user_id) for event in page.items]
        return SecurityEventPage(items=items, next_cursor=page.next_cursor)


class ListAuditLog:
    """List an organisation's events, newest first; owners and admins only.

    Raises OrganisationNotFound for non-members, PermissionDenied for members,
    InvalidCursor or ValidationFailed.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID, selection: SecurityEventFilter
    ) -> SecurityEventPage:
        query, page_size = _query(selection)
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, Permission.READ_AUDIT_LOG)
            rows = await uow.audit.list_for_organisation(organisation_id, query)
        return _page(rows, page_size)


def _hide_other_actor(event: SecurityEvent, reader_id: uuid.UUID) -> SecurityEvent:
    if event.actor_user_id is None or event.actor_user_id == reader_id:
        return event
    return replace(event, ip_address=None, user_agent=None)
