"""The in-memory repository of one-time link tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from elenchos.adapters.memory.database import InMemoryDatabase, Transaction, UniqueIndex
from elenchos.domain.errors import LinkTokenInvalid
from elenchos.domain.tokens import TokenPurpose, UserToken

USER_TOKENS = "user_tokens"


def register_token_indexes(database: InMemoryDatabase) -> None:
    # A clash needs two equal 256-bit random tokens. The index mirrors the
    # database's unique index rather than guarding against a real case.
    database.add_unique_index(
        USER_TOKENS,
        UniqueIndex(
            key=lambda token: token.token_hash,
            error=lambda: LinkTokenInvalid("A token with this digest already exists."),
        ),
    )


class InMemoryUserTokenRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, token: UserToken) -> None:
        self._transaction.put(USER_TOKENS, token.id, token)

    async def get_by_hash(self, token_hash: str) -> UserToken | None:
        for token in self._transaction.scan(USER_TOKENS):
            if token.token_hash == token_hash:
                found: UserToken = token
                return found
        return None

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        # NOTE: this checks the state visible to this transaction, so two open
        # units of work can both succeed. On a database the second UPDATE waits.
        token: UserToken | None = self._transaction.get(USER_TOKENS, token_id)
        if token is None or token.used_at is not None:
            return False
        token.used_at = now
        self._transaction.put(USER_TOKENS, token.id, token)
        return True

    async def delete_unused(self, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
        for token in list(self._transaction.scan(USER_TOKENS)):
            if token.user_id == user_id and token.purpose is purpose and token.used_at is None:
                self._transaction.delete(USER_TOKENS, token.id)

    def all(self) -> list[UserToken]:
        """Return every visible token; for tests that inspect the table."""
        return list(self._transaction.scan(USER_TOKENS))
