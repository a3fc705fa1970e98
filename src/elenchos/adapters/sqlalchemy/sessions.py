"""The SQLAlchemy repository of sessions and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from elenchos.adapters.sqlalchemy import tables
from elenchos.domain.sessions import RefreshToken, Session, SessionEndReason

_sessions = tables.sessions
_refresh_tokens = tables.refresh_tokens


def _session_from_row(row: sa.Row[Any]) -> Session:
    return Session(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        absolute_expires_at=row.absolute_expires_at,
        organisation_id=row.organisation_id,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        revoked_at=row.revoked_at,
        revoked_reason=SessionEndReason(row.revoked_reason) if row.revoked_reason else None,
    )


def _token_from_row(row: sa.Row[Any]) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        session_id=row.session_id,
        token_hash=row.token_hash,
        created_at=row.created_at,
        retired_at=row.retired_at,
        successor_id=row.successor_id,
        sealed_successor=row.sealed_successor,
    )


class SqlSessionRepository:
    # NOTE: nothing deletes ended sessions or retired refresh tokens yet, so both
    # tables grow by one row per sign-in and per refresh until a purge exists.
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, session: Session) -> None:
        await self._session.execute(
            sa.insert(_sessions).values(
                id=session.id,
                user_id=session.user_id,
                organisation_id=session.organisation_id,
                created_at=session.created_at,
                last_used_at=session.last_used_at,
                expires_at=session.expires_at,
                absolute_expires_at=session.absolute_expires_at,
                revoked_at=session.revoked_at,
                revoked_reason=session.revoked_reason.value if session.revoked_reason else None,
                ip_address=session.ip_address,
                user_agent=session.user_agent,
            )
        )

    async def get(self, session_id: uuid.UUID) -> Session | None:
        result = await self._session.execute(
            sa.select(_sessions).where(_sessions.c.id == session_id)
        )
        row = result.first()
        return _session_from_row(row) if row is not None else None

    async def update(self, session: Session) -> None:
        # Revocation is left out on purpose: it goes through revoke(), whose
        # condition keeps a concurrent refresh from writing it back to NULL.
        await self._session.execute(
            sa.update(_sessions)
            .where(_sessions.c.id == session.id)
            .values(
                last_used_at=session.last_used_at,
                expires_at=session.expires_at,
                organisation_id=session.organisation_id,
            )
        )

    async def list_active(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        result = await self._session.execute(
            sa.select(_sessions)
            .where(
                _sessions.c.user_id == user_id,
                _sessions.c.revoked_at.is_(None),
                _sessions.c.expires_at > now,
            )
            .order_by(_sessions.c.created_at.desc(), _sessions.c.id.desc())
        )
        return [_session_from_row(row) for row in result]

    async def revoke(
        self, session_id: uuid.UUID, now: datetime, reason: SessionEndReason
    ) -> bool:
        result = await self._session.execute(
            sa.update(_sessions)
            .where(_sessions.c.id == session_id, _sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason.value)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def revoke_all(
        self,
        user_id: uuid.UUID,
        now: datetime,
        reason: SessionEndReason,
        keep: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        conditions = [_sessions.c.user_id == user_id, _sessions.c.revoked_at.is_(None)]
        if keep is not None:
            conditions.append(_sessions.c.id != keep)
        result = await self._session.execute(
            sa.update(_sessions)
            .where(*conditions)
            .values(revoked_at=now, revoked_reason=reason.value)
            .returning(_sessions.c.id)
        )
        return [row.id for row in result]

    async def add_refresh_token(self, token: RefreshToken) -> None:
        await self._session.execute(
            sa.insert(_refresh_tokens).values(
                id=token.id,
                session_id=token.session_id,
                token_hash=token.token_hash,
                created_at=token.created_at,
                retired_at=token.retired_at,
                successor_id=token.successor_id,
                sealed_successor=token.sealed_successor,
            )
        )

    async def get_refresh_token(self, token_id: uuid.UUID) -> RefreshToken | None:
        result = await self._session.execute(
            sa.select(_refresh_tokens).where(_refresh_tokens.c.id == token_id)
        )
        row = result.first()
        return _token_from_row(row) if row is not None else None

    async def get_refresh_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        result = await self._session.execute(
            sa.select(_refresh_tokens).where(_refresh_tokens.c.token_hash == token_hash)
        )
        row = result.first()
        return _token_from_row(row) if row is not None else None

    async def retire_refresh_token(
        self, token_id: uuid.UUID, now: datetime, successor_id: uuid.UUID, sealed_successor: bytes
    ) -> bool:
        # The condition on retired_at makes the UPDATE itself the check. Of two
        # concurrent refreshes with one token, PostgreSQL makes the second wait
        # for the first to commit, and the second then finds no row to update.
        result = await self._session.execute(
            sa.update(_refresh_tokens)
            .where(_refresh_tokens.c.id == token_id, _refresh_tokens.c.retired_at.is_(None))
            .values(retired_at=now, successor_id=successor_id, sealed_successor=sealed_successor)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
