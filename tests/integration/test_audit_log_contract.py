"""The audit log repository contract, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from elenchos.application.audit_ports import SecurityEventPosition, SecurityEventQuery
from elenchos.application.ports import UnitOfWorkFactory
from elenchos.domain.audit import SecurityEvent, SecurityEventType

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACME = uuid.uuid4()
GLOBEX = uuid.uuid4()
ADA = uuid.uuid4()


async def store(uow_factory: UnitOfWorkFactory, *events: SecurityEvent) -> None:
    async with uow_factory() as uow:
        for event in events:
            await uow.audit.add(event)
        await uow.commit()


def event(
    minute: int,
    type: SecurityEventType = SecurityEventType.ROLE_CHANGED,
    organisation_id: uuid.UUID | None = ACME,
    subject_user_id: uuid.UUID | None = ADA,
) -> SecurityEvent:
    return SecurityEvent.record(
        type,
        START + timedelta(minutes=minute),
        actor_user_id=uuid.uuid4(),
        subject_user_id=subject_user_id,
        organisation_id=organisation_id,
        ip_address="192.0.2.1",
        user_agent="TestBrowser/1.0",
        details={"role": "admin", "previous_role": "member"},
    )


async def test_event_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    stored = event(0)
    await store(uow_factory, stored)

    async with uow_factory() as uow:
        found = await uow.audit.list_for_organisation(ACME, SecurityEventQuery(limit=10))

    assert found == [stored]


async def test_uncommitted_event_is_not_stored(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.audit.add(event(0))

    async with uow_factory() as uow:
        found = await uow.audit.list_for_organisation(ACME, SecurityEventQuery(limit=10))

    assert found == []


async def test_organisations_see_only_their_events(uow_factory: UnitOfWorkFactory) -> None:
    ours = event(0)
    theirs = event(1, organisation_id=GLOBEX)
    personal = event(2, organisation_id=None)
    await store(uow_factory, ours, theirs, personal)

    async with uow_factory() as uow:
        acme = await uow.audit.list_for_organisation(ACME, SecurityEventQuery(limit=10))
        globex = await uow.audit.list_for_organisation(GLOBEX, SecurityEventQuery(limit=10))

    assert acme == [ours]
    assert globex == [theirs]


async def test_user_sees_events_as_subject_only(uow_factory: UnitOfWorkFactory) -> None:
    about_ada = event(0)
    by_ada = SecurityEvent.record(
        SecurityEventType.MEMBER_REMOVED, START, actor_user_id=ADA, subject_user_id=uuid.uuid4()
    )
    await store(uow_factory, about_ada, by_ada)

    async with uow_factory() as uow:
        found = await uow.audit.list_for_user(ADA, SecurityEventQuery(limit=10))

    assert found == [about_ada]


async def test_newest_first_with_keyset_pages(uow_factory: UnitOfWorkFactory) -> None:
    # Two events share each minute, so the id decides their order.
    events = [event(minute // 2) for minute in range(7)]
    await store(uow_factory, *events)
    expected = sorted(events, key=lambda e: (e.occurred_at, e.id), reverse=True)

    pages: list[list[SecurityEvent]] = []
    after = None
    async with uow_factory() as uow:
        while True:
            page = await uow.audit.list_for_user(ADA, SecurityEventQuery(limit=3, after=after))
            if not page:
                break
            pages.append(page)
            after = SecurityEventPosition(page[-1].occurred_at, page[-1].id)

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [e for page in pages for e in page] == expected


async def test_filters_by_type_and_time(uow_factory: UnitOfWorkFactory) -> None:
    early = event(0, SecurityEventType.INVITATION_SENT)
    middle = event(10, SecurityEventType.ROLE_CHANGED)
    late = event(20, SecurityEventType.INVITATION_SENT)
    await store(uow_factory, early, middle, late)
    invitations = frozenset({SecurityEventType.INVITATION_SENT})

    async with uow_factory() as uow:
        by_type = await uow.audit.list_for_organisation(
            ACME, SecurityEventQuery(limit=10, types=invitations)
        )
        by_time = await uow.audit.list_for_organisation(
            ACME,
            SecurityEventQuery(
                limit=10, since=START + timedelta(minutes=10), until=START + timedelta(minutes=20)
            ),
        )
        both = await uow.audit.list_for_organisation(
            ACME,
            SecurityEventQuery(limit=10, types=invitations, since=START + timedelta(minutes=1)),
        )

    assert by_type == [late, early]
    assert by_time == [middle]
    assert both == [late]
