"""The outbox dispatcher against SQLite and PostgreSQL, and two dispatchers on one PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.jinja.mail import JinjaMailRenderer
from elenchos.adapters.memory import FixedClock, InMemoryMailer
from elenchos.adapters.sqlalchemy import tables
from elenchos.adapters.sqlalchemy.engine import create_engine, create_session_factory
from elenchos.adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from elenchos.application.links import LinkBuilder
from elenchos.application.mail import EmailMessage
from elenchos.application.outbox import OutboxDispatcher
from elenchos.application.ports import UnitOfWorkFactory
from elenchos.domain.outbox import OutboxMessage, OutboxStatus
from elenchos.resources import resource_dir
from tests.conftest import empty_tables

MESSAGES = 60


def dispatcher(
    uow: UnitOfWorkFactory, mailer: InMemoryMailer, clock: FixedClock, batch_size: int = 10
) -> OutboxDispatcher:
    renderer = JinjaMailRenderer(
        resource_dir("templates") / "email",
        LinkBuilder("http://testserver"),
        product_name="Elenchos",
        public_url="http://testserver",
    )
    return OutboxDispatcher(
        uow, mailer, renderer, clock, batch_size=batch_size, rng=random.Random(3)
    )


async def queue(uow: UnitOfWorkFactory, clock: FixedClock, count: int) -> list[uuid.UUID]:
    ids = []
    async with uow() as unit:
        for index in range(count):
            context = {"token": f"token-{index}", "expires_in_hours": 24}
            message = OutboxMessage.queue(
                "verify_email", f"user{index}@example.com", context, clock.now()
            )
            await unit.outbox.add(message)
            ids.append(message.id)
        await unit.commit()
    return ids


async def test_dispatch_marks_rows_sent(engine: AsyncEngine) -> None:
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    clock = FixedClock()
    mailer = InMemoryMailer()
    await queue(uow, clock, 3)

    attempted = await dispatcher(uow, mailer, clock).dispatch_due()

    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(tables.outbox))).all()
    assert attempted == 3
    assert len(mailer.sent) == 3
    assert {row.status for row in rows} == {OutboxStatus.SENT.value}
    assert [row.context for row in rows] == [{}, {}, {}]
    assert {row.attempts for row in rows} == {1}


async def test_failure_is_stored_with_next_attempt(engine: AsyncEngine) -> None:
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    clock = FixedClock()
    mailer = InMemoryMailer()
    [message_id] = await queue(uow, clock, 1)
    mailer.unavailable = True

    await dispatcher(uow, mailer, clock).dispatch_due()

    async with uow() as unit:
        stored = await unit.outbox.get(message_id)
    assert stored is not None
    assert stored.status is OutboxStatus.PENDING
    assert stored.attempts == 1
    assert stored.context["token"] == "token-0"
    assert clock.now() + timedelta(seconds=15) <= stored.next_attempt_at
    assert stored.next_attempt_at <= clock.now() + timedelta(seconds=30)


class SlowMailer(InMemoryMailer):
    """Yields to the event loop while sending, so two dispatchers interleave."""

    async def send(self, message: EmailMessage) -> None:
        await asyncio.sleep(0.002)
        await super().send(message)


@pytest.fixture
async def postgres_engines(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    await empty_tables(postgres_url)
    first, second = create_engine(postgres_url), create_engine(postgres_url)
    yield first, second
    await first.dispose()
    await second.dispose()


@pytest.mark.postgres
async def test_two_dispatchers_send_each_message_once(
    postgres_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    clock = FixedClock()
    first_uow, second_uow = (
        SqlUnitOfWorkFactory(create_session_factory(engine)) for engine in postgres_engines
    )
    ids = await queue(first_uow, clock, MESSAGES)
    first_mailer, second_mailer = SlowMailer(), SlowMailer()
    first = dispatcher(first_uow, first_mailer, clock, batch_size=4)
    second = dispatcher(second_uow, second_mailer, clock, batch_size=4)

    attempted = await asyncio.gather(first.dispatch_due(), second.dispatch_due())

    recipients = Counter(message.to for message in first_mailer.sent + second_mailer.sent)
    assert sum(attempted) == MESSAGES
    assert len(recipients) == MESSAGES
    assert set(recipients.values()) == {1}
    assert first_mailer.sent and second_mailer.sent
    async with first_uow() as unit:
        statuses = {(await unit.outbox.get(message_id)).status for message_id in ids}  # type: ignore[union-attr]
    assert statuses == {OutboxStatus.SENT}
