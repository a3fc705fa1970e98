"""SQLAlchemy repositories; they flush but never commit, the unit of work does."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from elenchos.adapters.sqlalchemy import tables
from elenchos.adapters.sqlalchemy.errors import translate_integrity_error
from elenchos.domain.outbox import OutboxMessage, OutboxStatus
from elenchos.domain.users import User, UserStatus


async def execute_write(session: AsyncSession, statement: sa.Executable) -> Any:
    """Run an INSERT or UPDATE, turning a known unique violation into its domain error."""
    try:
        return await session.execute(statement)
    except IntegrityError as exc:
        error = translate_integrity_error(exc)
        if error is None:
            raise
        raise error from exc


def _user_values(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "email_normalized": user.email_normalized,
        "password_hash": user.password_hash,
        "status": user.status.value,
        "profile": user.profile,
        "settings": user.settings,
        "email_verified_at": user.email_verified_at,
        "password_changed_at": user.password_changed_at,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def user_from_row(row: sa.Row[Any]) -> User:
    return User(
        id=row.id,
        email=row.email,
        email_normalized=row.email_normalized,
        password_hash=row.password_hash,
        status=UserStatus(row.status),
        profile=dict(row.profile or {}),
        settings=dict(row.settings or {}),
        email_verified_at=row.email_verified_at,
        password_changed_at=row.password_changed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        await execute_write(self._session, sa.insert(tables.users).values(_user_values(user)))

    async def get(self, user_id: uuid.UUID) -> User | None:
        result = await self._session.execute(
            sa.select(tables.users).where(tables.users.c.id == user_id)
        )
        row = result.first()
        return user_from_row(row) if row is not None else None

    async def get_by_email(self, email_normalized: str) -> User | None:
        result = await self._session.execute(
            sa.select(tables.users).where(tables.users.c.email_normalized == email_normalized)
        )
        row = result.first()
        return user_from_row(row) if row is not None else None

    async def update(self, user: User) -> None:
        values = _user_values(user)
        del values["id"], values["created_at"]
        await execute_write(
            self._session,
            sa.update(tables.users).where(tables.users.c.id == user.id).values(values),
        )


def _outbox_from_row(row: sa.Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        template=row.template,
        recipient=row.recipient,
        context=dict(row.context or {}),
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


def _outbox_values(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "template": message.template,
        "recipient": message.recipient,
        "context": message.context,
        "status": message.status.value,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": message.created_at,
        "next_attempt_at": message.next_attempt_at,
        "sent_at": message.sent_at,
    }


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> None:
        await self._session.execute(sa.insert(tables.outbox).values(_outbox_values(message)))

    async def claim_due(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[OutboxMessage]:
        outbox = tables.outbox
        # SKIP LOCKED lets PostgreSQL dispatchers take disjoint rows; SQLite
        # ignores FOR UPDATE, so the conditional UPDATE below is what keeps two
        # SQLite dispatchers from claiming the same row.
        candidates = await self._session.execute(
            sa.select(outbox)
            .where(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.next_attempt_at, outbox.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = []
        for row in candidates.all():
            result = await self._session.execute(
                sa.update(outbox)
                .where(
                    outbox.c.id == row.id,
                    outbox.c.status == OutboxStatus.PENDING.value,
                    outbox.c.next_attempt_at == row.next_attempt_at,
                )
                .values(next_attempt_at=lease_until)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                message = _outbox_from_row(row)
                message.next_attempt_at = lease_until
                claimed.append(message)
        return claimed

    async def update(self, message: OutboxMessage) -> None:
        values = _outbox_values(message)
        del values["id"]
        await self._session.execute(
            sa.update(tables.outbox).where(tables.outbox.c.id == message.id).values(values)
        )

    async def pending_summary(self) -> tuple[int, datetime | None]:
        outbox = tables.outbox
        result = await self._session.execute(
            sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(
                outbox.c.status == OutboxStatus.PENDING.value
            )
        )
        count, oldest = result.one()
        return int(count), oldest

    async def get(self, message_id: uuid.UUID) -> OutboxMessage | None:
        result = await self._session.execute(
            sa.select(tables.outbox).where(tables.outbox.c.id == message_id)
        )
        row = result.first()
        return _outbox_from_row(row) if row is not None else None
