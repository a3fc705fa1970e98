"""The SQLAlchemy repository of one-time link tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from elenchos.adapters.sqlalchemy import tables
from elenchos.domain.tokens import TokenPurpose, UserToken


def _token_from_row(row: sa.Row[Any]) -> UserToken:
    return UserToken(
        id=row.id,
        user_id=row.user_id,
        purpose=TokenPurpose(row.purpose),
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class SqlUserTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: UserToken) -> None:
        await self._session.execute(
            sa.insert(tables.user_tokens).values(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose.value,
                token_hash=token.token_hash,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def get_by_hash(self, token_hash: str) -> UserToken | None:
        result = await self._session.execute(
            sa.select(tables.user_tokens).where(tables.user_tokens.c.token_hash == token_hash)
        )
        row = result.first()
        return _token_from_row(row) if row is not None else None

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        # The condition on used_at makes the UPDATE itself the check: of two
        # concurrent requests with one token, PostgreSQL makes the second wait
        # for the first and then finds no row left to update.
        result = await self._session.execute(
            sa.update(tables.user_tokens)
            .where(tables.user_tokens.c.id == token_id, tables.user_tokens.c.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def delete_unused(self, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
        await self._session.execute(
            sa.delete(tables.user_tokens).where(
                tables.user_tokens.c.user_id == user_id,
                tables.user_tokens.c.purpose == purpose.value,
                tables.user_tokens.c.used_at.is_(None),
            )
        )
