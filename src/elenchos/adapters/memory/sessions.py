"""The in-memory repository of sessions and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from elenchos.adapters.memory.database import InMemoryDatabase, Transaction, UniqueIndex
from elenchos.domain.errors import RefreshTokenInvalid
from elenchos.domain.sessions import RefreshToken, Session, SessionEndReason

SESSIONS = "sessions"
REFRESH_TOKENS = "refresh_tokens"


def register_session_indexes(database: InMemoryDatabase) -> None:
    # The index mirrors the database's. Two equal 256-bit random tokens do not occur in practice.
    database.add_unique_index(
        REFRESH_TOKENS,
        UniqueIndex(
            key=lambda token: token.token_hash,
            error=lambda: RefreshTokenInvalid("A refresh token with this digest already exists."),
        ),
    )


class InMemorySessionRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, session: Session) -> None:
        self._transaction.put(SESSIONS, session.id, session)

    async def get(self, session_id: uuid.UUID) -> Session | None:
        session: Session | None = self._transaction.get(SESSIONS, session_id)
        return session

    async def update(self, session: Session) -> None:
        # Like the SQL adapter, leave revocation to revoke(), so a refresh
        # never writes back an older revoked_at.
        stored: Session | None = self._transaction.get(SESSIONS, session.id)
        if stored is None:
            return
        stored.last_used_at = session.last_used_at
        stored.expires_at = session.expires_at
        stored.organisation_id = session.organisation_id
        self._transaction.put(SESSIONS, stored.id, stored)

    async def list_active(self, user_id: uuid.UUID, now: datetime) -> list[Session]:
        active = [
            session
            for session in self._transaction.scan(SESSIONS)
            if session.user_id == user_id and session.is_active(now)
        ]
        return sorted(active, key=lambda session: (session.created_at, session.id), reverse=True)

    async def revoke(
        self, session_id: uuid.UUID, now: datetime, reason: SessionEndReason
    ) -> bool:
        # NOTE: like mark_used on link tokens, this checks only the state visible
        # to this transaction, so two open units of work can both succeed. A
        # database makes the second UPDATE wait instead.
        session: Session | None = self._transaction.get(SESSIONS, session_id)
        if session is None or session.revoked_at is not None:
            return False
        session.revoked_at = now
        session.revoked_reason = reason
        self._transaction.put(SESSIONS, session.id, session)
        return True

    async def revoke_all(
        self,
        user_id: uuid.UUID,
        now: datetime,
        reason: SessionEndReason,
        keep: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        revoked = []
        for session in list(self._transaction.scan(SESSIONS)):
            if session.user_id != user_id or session.id == keep or session.revoked_at is not None:
                continue
            session.revoked_at = now
            session.revoked_reason = reason
            self._transaction.put(SESSIONS, session.id, session)
            revoked.append(session.id)
        return revoked

    async def add_refresh_token(self, token: RefreshToken) -> None:
        self._transaction.put(REFRESH_TOKENS, token.id, token)

    async def get_refresh_token(self, token_id: uuid.UUID) -> RefreshToken | None:
        token: RefreshToken | None = self._transaction.get(REFRESH_TOKENS, token_id)
        return token

    async def get_refresh_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        for token in self._transaction.scan(REFRESH_TOKENS):
            if token.token_hash == token_hash:
                found: RefreshToken = token
                return found
        return None

    async def retire_refresh_token(
        self, token_id: uuid.UUID, now: datetime, successor_id: uuid.UUID, sealed_successor: bytes
    ) -> bool:
        token: RefreshToken | None = self._transaction.get(REFRESH_TOKENS, token_id)
        if token is None or token.retired_at is not None:
            return False
        token.retired_at = now
        token.successor_id = successor_id
        token.sealed_successor = sealed_successor
        self._transaction.put(REFRESH_TOKENS, token.id, token)
        return True
