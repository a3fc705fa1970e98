"""The argon2id adapter: hashes verify, old parameters rehash, work leaves the event loop."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from elenchos.adapters.argon2 import Argon2PasswordHasher
from elenchos.adapters.argon2 import hasher as hasher_module


def cheap(time_cost: int = 1) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(time_cost=time_cost, memory_cost=64, parallelism=1)


async def test_hash_verifies_only_its_password() -> None:
    hasher = cheap()

    password_hash = await hasher.hash("correct horse battery staple")

    assert password_hash.startswith("$argon2id$")
    assert await hasher.verify(password_hash, "correct horse battery staple")
    assert not await hasher.verify(password_hash, "wrong password")


async def test_garbage_hash_is_a_mismatch() -> None:
    assert not await cheap().verify("not-a-hash", "anything")


async def test_older_parameters_need_rehash() -> None:
    old_hash = await cheap(time_cost=1).hash("a password")

    assert cheap(time_cost=2).needs_rehash(old_hash)
    assert not cheap(time_cost=1).needs_rehash(old_hash)
    assert cheap().needs_rehash("not-a-hash")


async def test_hashing_runs_off_the_event_loop_thread() -> None:
    loop_thread = threading.get_native_id()
    executor = hasher_module._hashing_executor()

    worker_thread = await asyncio.get_running_loop().run_in_executor(
        executor, threading.get_native_id
    )

    assert worker_thread != loop_thread


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux behaviour")
async def test_hashing_threads_run_at_lower_priority() -> None:
    executor = hasher_module._hashing_executor()

    worker_thread = await asyncio.get_running_loop().run_in_executor(
        executor, threading.get_native_id
    )

    assert os.getpriority(os.PRIO_PROCESS, worker_thread) == hasher_module.HASHING_NICENESS
