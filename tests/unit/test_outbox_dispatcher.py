"""The outbox dispatcher on the in-memory adapters: retries, backoff, giving up, logging."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta

import pytest

from elenchos.adapters.jinja.mail import JinjaMailRenderer
from elenchos.adapters.memory import FixedClock, InMemoryMailer, InMemoryUnitOfWorkFactory
from elenchos.application.links import LinkBuilder
from elenchos.application.outbox import DispatcherLoop, OutboxDispatcher, retry_delay
from elenchos.domain.outbox import OutboxMessage, OutboxStatus
from elenchos.resources import resource_dir

RECIPIENT = "ada@example.com"
TOKEN = "secret-link-token-0123456789"


class Outbox:
    """A dispatcher wired to fakes, with helpers to queue and inspect messages."""

    def __init__(self, max_attempts: int = 3) -> None:
        self.uow = InMemoryUnitOfWorkFactory()
        self.clock = FixedClock()
        self.mailer = InMemoryMailer()
        self.renderer = JinjaMailRenderer(
            resource_dir("templates") / "email",
            LinkBuilder("http://testserver"),
            product_name="Elenchos",
            public_url="http://testserver",
        )
        self.dispatcher = OutboxDispatcher(
            self.uow,
            self.mailer,
            self.renderer,
            self.clock,
            max_attempts=max_attempts,
            retry_base=timedelta(seconds=30),
            retry_max=timedelta(minutes=10),
            rng=random.Random(7),
        )

    async def queue(self, template: str = "verify_email") -> OutboxMessage:
        context = {"token": TOKEN, "expires_in_hours": 24}
        message = OutboxMessage.queue(template, RECIPIENT, context, self.clock.now())
        async with self.uow() as uow:
            await uow.outbox.add(message)
            await uow.commit()
        return message

    async def stored(self, message: OutboxMessage) -> OutboxMessage:
        async with self.uow() as uow:
            found = await uow.outbox.get(message.id)
        assert found is not None
        return found


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


async def test_due_message_is_sent_once(outbox: Outbox) -> None:
    message = await outbox.queue()

    first = await outbox.dispatcher.dispatch_due()
    second = await outbox.dispatcher.dispatch_due()

    stored = await outbox.stored(message)
    assert (first, second) == (1, 0)
    assert len(outbox.mailer.sent) == 1
    assert stored.status is OutboxStatus.SENT
    assert stored.attempts == 1
    assert stored.sent_at == outbox.clock.now()
    assert stored.context == {}


async def test_failed_send_is_retried_after_backoff(outbox: Outbox) -> None:
    message = await outbox.queue()
    outbox.mailer.fail_next()

    await outbox.dispatcher.dispatch_due()
    after_failure = await outbox.stored(message)
    early = await outbox.dispatcher.dispatch_due()
    outbox.clock.advance(timedelta(seconds=30))
    await outbox.dispatcher.dispatch_due()

    assert after_failure.status is OutboxStatus.PENDING
    assert after_failure.attempts == 1
    assert after_failure.last_error is not None
    assert after_failure.context["token"] == TOKEN
    delay = after_failure.next_attempt_at - outbox.clock.now() + timedelta(seconds=30)
    assert timedelta(seconds=15) <= delay <= timedelta(seconds=30)
    assert early == 0
    assert len(outbox.mailer.sent) == 1
    assert (await outbox.stored(message)).status is OutboxStatus.SENT


async def test_message_fails_after_max_attempts(outbox: Outbox) -> None:
    message = await outbox.queue()
    outbox.mailer.unavailable = True

    for _ in range(3):
        await outbox.dispatcher.dispatch_due()
        outbox.clock.advance(timedelta(hours=1))
    extra = await outbox.dispatcher.dispatch_due()

    stored = await outbox.stored(message)
    assert stored.status is OutboxStatus.FAILED
    assert stored.attempts == 3
    assert stored.context == {}
    assert stored.last_error == (
        "MailDeliveryFailed: the in-memory mailer is set to be unavailable"
    )
    assert extra == 0
    assert outbox.mailer.attempts == 3


async def test_unknown_template_fails_at_once(outbox: Outbox) -> None:
    message = await outbox.queue(template="no_such_template")

    await outbox.dispatcher.dispatch_due()

    stored = await outbox.stored(message)
    assert stored.status is OutboxStatus.FAILED
    assert stored.attempts == 1
    assert stored.last_error is not None
    assert "no_such_template" in stored.last_error
    assert outbox.mailer.attempts == 0


async def test_leased_message_is_not_claimed_twice(outbox: Outbox) -> None:
    await outbox.queue()
    async with outbox.uow() as uow:
        now = outbox.clock.now()
        claimed = await uow.outbox.claim_due(now, 10, now + timedelta(minutes=5))
        await uow.commit()

    attempted = await outbox.dispatcher.dispatch_due()
    outbox.clock.advance(timedelta(minutes=5))
    after_lease = await outbox.dispatcher.dispatch_due()

    assert len(claimed) == 1
    assert attempted == 0
    assert after_lease == 1


async def test_batches_drain_whole_outbox(outbox: Outbox) -> None:
    for _ in range(25):
        await outbox.queue()

    attempted = await outbox.dispatcher.dispatch_due()

    assert attempted == 25
    assert len(outbox.mailer.sent) == 25


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 15, 30), (2, 30, 60), (3, 60, 120), (5, 240, 480), (10, 300, 600)],
)
def test_retry_delay_doubles_up_to_cap(attempts: int, low: int, high: int) -> None:
    rng = random.Random(1)

    delays = [
        retry_delay(attempts, timedelta(seconds=30), timedelta(minutes=10), rng) for _ in range(50)
    ]

    assert all(timedelta(seconds=low) <= delay <= timedelta(seconds=high) for delay in delays)
    assert len(set(delays)) > 1


async def test_logs_name_outbox_id_only(outbox: Outbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    message = await outbox.queue()
    outbox.mailer.fail_next()

    await outbox.dispatcher.dispatch_due()
    outbox.clock.advance(timedelta(minutes=1))
    await outbox.dispatcher.dispatch_due()

    lines = [record.getMessage() for record in caplog.records]
    assert any(str(message.id) in line and "failed" in line for line in lines)
    assert any(str(message.id) in line and "sent" in line for line in lines)
    assert not any(TOKEN in line or RECIPIENT in line for line in lines)


async def test_loop_sends_when_nudged(outbox: Outbox) -> None:
    wakeup = asyncio.Event()
    loop = DispatcherLoop(outbox.dispatcher, wakeup, poll_interval=3600)
    task = asyncio.create_task(loop.run())
    await asyncio.sleep(0)

    await outbox.queue()
    wakeup.set()
    for _ in range(100):
        if outbox.mailer.sent:
            break
        await asyncio.sleep(0.01)
    loop.stop()
    await asyncio.wait_for(task, timeout=5)

    assert len(outbox.mailer.sent) == 1
    assert task.done()


async def test_loop_survives_dispatch_error(
    outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenDispatcher(OutboxDispatcher):
        calls = 0

        async def dispatch_due(self, stop_requested: object = None) -> int:
            BrokenDispatcher.calls += 1
            raise ConnectionError("database is down")

    broken = BrokenDispatcher(outbox.uow, outbox.mailer, outbox.renderer, outbox.clock)
    loop = DispatcherLoop(broken, asyncio.Event(), poll_interval=0.01)
    task = asyncio.create_task(loop.run())

    await asyncio.sleep(0.1)
    loop.stop()
    await asyncio.wait_for(task, timeout=5)

    assert BrokenDispatcher.calls >= 2
    assert "outbox dispatch failed" in caplog.text


async def test_stop_releases_claimed_messages(outbox: Outbox) -> None:
    first = await outbox.queue()
    second = await outbox.queue()
    sent: list[int] = []

    def stop_after_first() -> bool:
        sent.append(1)
        return len(sent) > 1

    attempted = await outbox.dispatcher.dispatch_due(stop_after_first)

    assert attempted == 1
    assert len(outbox.mailer.sent) == 1
    stored = [await outbox.stored(first), await outbox.stored(second)]
    assert sorted(message.status.value for message in stored) == ["pending", "sent"]
    (released,) = [message for message in stored if message.status is OutboxStatus.PENDING]
    assert released.next_attempt_at == outbox.clock.now()
    assert await outbox.dispatcher.dispatch_due() == 1
    assert len(outbox.mailer.sent) == 2


async def test_outcomes_reported_to_callback() -> None:
    events: list[str] = []
    outbox = Outbox(max_attempts=2)
    outbox.dispatcher = OutboxDispatcher(
        outbox.uow, outbox.mailer, outbox.renderer, outbox.clock,
        max_attempts=2, on_event=events.append,
    )
    await outbox.queue()

    await outbox.dispatcher.dispatch_due()

    assert events == ["sent"]
