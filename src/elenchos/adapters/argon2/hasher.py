"""argon2id hashing, run in a thread pool so the event loop thread does no hashing."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

logger = logging.getLogger(__name__)

_Result = TypeVar("_Result")

# Hashing threads run at this nice value (Linux: per thread, and inherited by
# the lane threads libargon2 starts), so under a flood of sign-ins the event
# loop thread still gets the CPU first and cheap requests keep their latency.
HASHING_NICENESS = 10

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def usable_cores() -> int:
    """Return the cores this process may run on, which taskset or a container can limit."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError) as exc:
        logger.warning("could not lower the priority of a hashing thread: %s", exc)


def _hashing_executor() -> ThreadPoolExecutor:
    """Return the process's hashing thread pool, created on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=usable_cores(),
                thread_name_prefix="argon2",
                initializer=_lower_priority,
            )
        return _executor


class Argon2PasswordHasher:
    """argon2id with argon2-cffi's RFC 9106 low-memory defaults unless parameters are given.

    `max_concurrency` bounds how many hashes run at once, because each one
    uses `memory_cost` KiB of memory and a whole core for its duration.
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
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify, password_hash, password)

    async def _run(self, function: Callable[..., _Result], *args: str) -> _Result:
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(_hashing_executor(), function, *args)

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
