"""In-memory repositories over a Transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from elenchos.adapters.memory.database import InMemoryDatabase, Transaction, UniqueIndex
from elenchos.domain.errors import EmailAlreadyRegistered
from elenchos.domain.outbox import OutboxMessage, OutboxStatus
from elenchos.domain.users import User

USERS = "users"
OUTBOX = "outbox"


def register_indexes(database: InMemoryDatabase) -> None:
    database.add_unique_index(
        USERS,
        UniqueIndex(
            key=lambda user: user.email_normalized,
            error=lambda: EmailAlreadyRegistered("The email address already has an account."),
        ),
    )


class InMemoryUserRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, user: User) -> None:
        self._transaction.put(USERS, user.id, user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        user: User | None = self._transaction.get(USERS, user_id)
        return user

    async def get_by_email(self, email_normalized: str) -> User | None:
        for user in self._transaction.scan(USERS):
            if user.email_normalized == email_normalized:
                found: User = user
                return found
        return None

    async def update(self, user: User) -> None:
        self._transaction.put(USERS, user.id, user)


class InMemoryOutboxRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, message: OutboxMessage) -> None:
        self._transaction.put(OUTBOX, message.id, message)

    async def claim_due(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[OutboxMessage]:
        due = [
            message
            for message in self._transaction.scan(OUTBOX)
            if message.status is OutboxStatus.PENDING and message.next_attempt_at <= now
        ]
        due.sort(key=lambda message: (message.next_attempt_at, message.created_at))
        claimed = due[:limit]
        for message in claimed:
            message.next_attempt_at = lease_until
            self._transaction.put(OUTBOX, message.id, message)
        return claimed

    async def update(self, message: OutboxMessage) -> None:
        self._transaction.put(OUTBOX, message.id, message)

    async def get(self, message_id: uuid.UUID) -> OutboxMessage | None:
        message: OutboxMessage | None = self._transaction.get(OUTBOX, message_id)
        return message

    async def pending_summary(self) -> tuple[int, datetime | None]:
        created = [
            message.created_at
            for message in self._transaction.scan(OUTBOX)
            if message.status is OutboxStatus.PENDING
        ]
        return len(created), min(created, default=None)

    def all(self) -> list[OutboxMessage]:
        """Return every visible message; for tests that inspect the outbox."""
        return list(self._transaction.scan(OUTBOX))
