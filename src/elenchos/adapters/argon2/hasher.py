"""argon2id hashing, run in worker threads so the event loop never waits on it."""

from __future__ import annotations

import asyncio
import logging

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

logger = logging.getLogger(__name__)


class Argon2PasswordHasher:
    """argon2id with argon2-cffi's RFC 9106 low-memory defaults unless parameters are given.

    `max_concurrency` bounds how many hashes run at once, because each one
    holds `memory_cost` KiB of memory and a whole core for its duration.
    """

    def __init__(
        self,
        time_cost: int | None = None,
        memory_cost: int | None = None,
        parallelism: int | None = None,
        max_concurrency: int = 4,
    ) -> None:
        defaults = PasswordHasher()
        self._hasher = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
            parallelism=parallelism or defaults.parallelism,
            type=Type.ID,
        )
        self._slots = asyncio.Semaphore(max_concurrency)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError):
            logger.warning("stored password hash could not be verified; treating it as a mismatch")
            return False
