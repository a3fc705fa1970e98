"""A small per-process cache of user rows for GET /v1/me."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

from elenchos.domain.users import User


class UserCache:
    """Users read recently, each trusted for `ttl`, at most `max_entries` of them.

    Changes made through this process's UpdateProfile evict the entry at
    once; changes made elsewhere (another replica, the CLI) show after at
    most `ttl`. Cached users are shared objects: callers must not mutate them.
    """

    def __init__(self, ttl: timedelta, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[uuid.UUID, tuple[datetime, User]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._ttl > timedelta(0) and self._max_entries > 0

    def get(self, user_id: uuid.UUID, now: datetime) -> User | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        stored_at, user = entry
        if now - stored_at >= self._ttl:
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        return user

    def store(self, user: User, now: datetime) -> None:
        if not self.enabled:
            return
        self._entries[user.id] = (now, user)
        self._entries.move_to_end(user.id)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def forget(self, user_id: uuid.UUID) -> None:
        self._entries.pop(user_id, None)
