"""The outbox dispatcher: render and send queued mail, retrying with backoff.

Rows are claimed in one short transaction that leases them, sent with no
transaction open, and marked sent or failed in another. A dispatcher that
dies mid-batch releases nothing: its leases run out and another takes over.
Delivery is therefore at least once, because a mail whose sent mark was not
stored goes out again after its lease.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import timedelta

from elenchos.application.mail import (
    MailDeliveryFailed,
    Mailer,
    MailRenderer,
    MailRenderingFailed,
)
from elenchos.application.ports import Clock, UnitOfWorkFactory
from elenchos.domain.outbox import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10
# A lease must outlast the sending of a whole batch, or a second dispatcher
# may claim a row that is still being sent: 10 mails at a few SMTP timeouts
# each stay well under five minutes.
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_RETRY_BASE = timedelta(seconds=30)
DEFAULT_RETRY_MAX = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 8
LAST_ERROR_MAX_LENGTH = 500


def retry_delay(
    attempts: int, base: timedelta, maximum: timedelta, rng: random.Random
) -> timedelta:
    """Return the wait after a failed attempt: doubling from base, capped, with jitter.

    The jitter picks a point in the upper half of the delay, so retries of
    many messages that failed together spread out but never come early.
    """
    exponential = base * (2 ** max(0, attempts - 1))
    capped = min(exponential, maximum)
    return timedelta(seconds=capped.total_seconds() * rng.uniform(0.5, 1.0))


class OutboxDispatcher:
    """Send due outbox messages; several dispatchers may share one database."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        mailer: Mailer,
        renderer: MailRenderer,
        clock: Clock,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        lease: timedelta = DEFAULT_LEASE,
        retry_base: timedelta = DEFAULT_RETRY_BASE,
        retry_max: timedelta = DEFAULT_RETRY_MAX,
        rng: random.Random | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self._uow = uow
        self._on_event = on_event or (lambda event: None)
        self._mailer = mailer
        self._renderer = renderer
        self._clock = clock
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._lease = lease
        self._retry_base = retry_base
        self._retry_max = retry_max
        # Jitter needs spread, not secrecy.
        self._rng = rng or random.Random()  # noqa: S311

    async def dispatch_due(self, stop_requested: Callable[[], bool] | None = None) -> int:
        """Send every message due now, batch by batch; return how many were attempted.

        When stop_requested returns true, the dispatcher returns before the next
        message and releases the messages it claimed but did not send, so
        another dispatcher can send them at once instead of after the lease.
        """
        attempted = 0
        while True:
            batch = await self._claim()
            for index, message in enumerate(batch):
                if stop_requested is not None and stop_requested():
                    await self._release(batch[index:])
                    return attempted
                await self._deliver(message)
                attempted += 1
            if len(batch) < self._batch_size:
                return attempted

    async def _claim(self) -> list[OutboxMessage]:
        now = self._clock.now()
        async with self._uow() as uow:
            batch = await uow.outbox.claim_due(now, self._batch_size, now + self._lease)
            await uow.commit()
        return batch

    async def _release(self, messages: list[OutboxMessage]) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            for message in messages:
                message.next_attempt_at = now
                await uow.outbox.update(message)
            await uow.commit()
        logger.info("released %d claimed outbox messages on stop", len(messages))

    async def _deliver(self, message: OutboxMessage) -> None:
        attempt = message.attempts + 1
        logger.info("sending outbox message %s, attempt %d", message.id, attempt)
        try:
            rendered = self._renderer.render(message.template, message.recipient, message.context)
            await self._mailer.send(rendered)
        except MailRenderingFailed as exc:
            await self._give_up(message, exc)
            return
        except MailDeliveryFailed as exc:
            await self._record_failure(message, exc)
            return
        await self._mark_sent(message)

    async def _mark_sent(self, message: OutboxMessage) -> None:
        message.status = OutboxStatus.SENT
        message.attempts += 1
        message.sent_at = self._clock.now()
        message.last_error = None
        # The context can hold a one-time link token, which must not outlive the send.
        message.context = {}
        await self._save(message)
        self._on_event("sent")
        logger.info("outbox message %s sent", message.id)

    async def _record_failure(self, message: OutboxMessage, error: Exception) -> None:
        message.attempts += 1
        message.last_error = _describe(error)
        if message.attempts >= self._max_attempts:
            await self._give_up(message, error, counted=True)
            return
        delay = retry_delay(message.attempts, self._retry_base, self._retry_max, self._rng)
        message.next_attempt_at = self._clock.now() + delay
        await self._save(message)
        self._on_event("retried")
        logger.warning(
            "outbox message %s: attempt %d failed, retry in %.0f s: %s",
            message.id,
            message.attempts,
            delay.total_seconds(),
            message.last_error,
        )

    async def _give_up(
        self, message: OutboxMessage, error: Exception, counted: bool = False
    ) -> None:
        if not counted:
            message.attempts += 1
        message.status = OutboxStatus.FAILED
        message.last_error = _describe(error)
        # A failed message is never sent, so its link token is dropped too.
        message.context = {}
        await self._save(message)
        self._on_event("failed")
        logger.error(
            "outbox message %s failed for good after %d attempts: %s",
            message.id,
            message.attempts,
            message.last_error,
        )

    async def _save(self, message: OutboxMessage) -> None:
        async with self._uow() as uow:
            await uow.outbox.update(message)
            await uow.commit()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX_LENGTH]


class DispatcherLoop:
    """Run a dispatcher until stopped: at once when nudged, else every poll interval."""

    def __init__(
        self, dispatcher: OutboxDispatcher, wakeup: asyncio.Event, poll_interval: float
    ) -> None:
        self._dispatcher = dispatcher
        self._wakeup = wakeup
        self._poll_interval = poll_interval
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Ask the loop to end after the message it is sending now."""
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        logger.info("outbox dispatcher started, polling every %.1f s", self._poll_interval)
        while not self._stopping.is_set():
            self._wakeup.clear()
            await self._dispatch_once()
            if self._stopping.is_set():
                break
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
            except TimeoutError:
                pass
        logger.info("outbox dispatcher stopped")

    async def _dispatch_once(self) -> None:
        try:
            await self._dispatcher.dispatch_due(self._stopping.is_set)
        except Exception:
            # A database outage must not end the loop, because the next poll retries.
            logger.exception("outbox dispatch failed, retrying at the next poll")
