"""The session check behind every protected endpoint, with a small in-process cache.

An access token is only as good as its session: a signed-out or revoked
session makes its access tokens fail at once in the process that ended it.
Other processes keep a checked state for at most the cache's TTL, so they
see the revocation within that bound.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from elenchos.application.ports import Clock, UnitOfWorkFactory
from elenchos.domain.errors import SessionEnded
from elenchos.domain.sessions import Session


@dataclass(frozen=True, slots=True)
class _CachedState:
    user_id: uuid.UUID | None
    # None once the session has ended, because an ended session never becomes active again.
    expires_at: datetime | None
    checked_at: datetime


class SessionStateCache:
    """Recently read session states, at most max_entries of them, each trusted for ttl.

    The least recently used entry is evicted first, so memory stays bounded
    however many sessions present tokens.
    """

    def __init__(self, clock: Clock, ttl: timedelta, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[uuid.UUID, _CachedState] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, session_id: uuid.UUID) -> _CachedState | None:
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        if self._clock.now() - entry.checked_at >= self._ttl:
            del self._entries[session_id]
            return None
        self._entries.move_to_end(session_id)
        return entry

    def store(self, session_id: uuid.UUID, session: Session | None) -> _CachedState:
        now = self._clock.now()
        if session is None or session.revoked_at is not None:
            entry = _CachedState(user_id=None, expires_at=None, checked_at=now)
        else:
            entry = _CachedState(session.user_id, session.expires_at, checked_at=now)
        if self._ttl > timedelta(0):
            self._entries[session_id] = entry
            self._entries.move_to_end(session_id)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return entry

    def mark_ended(self, session_ids: Iterable[uuid.UUID]) -> None:
        """Record sessions this process has just ended, so their tokens fail at once."""
        for session_id in session_ids:
            self.store(session_id, None)


class CheckSession:
    """Check that an access token's session is still active; raises SessionEnded otherwise."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, cache: SessionStateCache) -> None:
        self._uow = uow
        self._clock = clock
        self.cache = cache

    async def __call__(self, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
        entry = self.cache.get(session_id)
        if entry is None:
            async with self._uow() as uow:
                session = await uow.sessions.get(session_id)
            entry = self.cache.store(session_id, session)
        if entry.expires_at is None or entry.user_id != user_id:
            raise SessionEnded("The session has ended; sign in again.")
        if self._clock.now() >= entry.expires_at:
            raise SessionEnded("The session has expired; sign in again.")
