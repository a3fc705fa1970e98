"""The hashing limit: how many argon2id verifications per second the server's cores can do.

Sign-in cannot be faster than this, so the sign-in scenario is reported as a
share of it. The measurement runs one process per server core, each pinned to
the server's cores when the run pins them, all verifying at once, with the
parameters the server uses.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import argon2

PASSWORD = "correct horse battery staple"
# Spawning the processes and hashing the reference password take a moment;
# the timed loops start together after it.
START_DELAY_SECONDS = 2.0


@dataclass(frozen=True)
class Argon2Parameters:
    time_cost: int
    memory_cost_kib: int
    parallelism: int

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Argon2Parameters:
        """Read ELENCHOS_ARGON2_* as Elenchos does, with argon2-cffi's defaults for unset ones."""
        defaults = argon2.PasswordHasher()
        return cls(
            time_cost=_read_int(environment, "ELENCHOS_ARGON2_TIME_COST", defaults.time_cost),
            memory_cost_kib=_read_int(
                environment, "ELENCHOS_ARGON2_MEMORY_COST_KIB", defaults.memory_cost
            ),
            parallelism=_read_int(environment, "ELENCHOS_ARGON2_PARALLELISM", defaults.parallelism),
        )

    def describe(self) -> str:
        return f"argon2id t={self.time_cost} m={self.memory_cost_kib} KiB p={self.parallelism}"

    def hasher(self) -> argon2.PasswordHasher:
        return argon2.PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost_kib,
            parallelism=self.parallelism,
            type=argon2.Type.ID,
        )


@dataclass(frozen=True)
class HashingLimit:
    """Verifications per second of all processes together."""

    rate: float
    processes: int
    verifications: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rate": round(self.rate, 2)}


def measure_hashing_limit(
    parameters: Argon2Parameters,
    processes: int,
    cores: frozenset[int] | None,
    duration: float,
) -> HashingLimit:
    """Verify in a loop in several processes at once for duration seconds.

    Blocks for about duration plus START_DELAY_SECONDS; call it through
    asyncio.to_thread.
    """
    start_at = time.monotonic() + START_DELAY_SECONDS
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [
            pool.submit(_verify_loop, parameters, cores, start_at, duration)
            for _ in range(processes)
        ]
        counts = [future.result() for future in futures]

    # Each process reports its own count and time, so one that started late
    # still adds its true rate.
    rate = sum(count / seconds for count, seconds in counts if seconds > 0)
    return HashingLimit(
        rate=rate,
        processes=processes,
        verifications=sum(count for count, _ in counts),
        seconds=max(seconds for _, seconds in counts),
    )


def _verify_loop(
    parameters: Argon2Parameters,
    cores: frozenset[int] | None,
    start_at: float,
    duration: float,
) -> tuple[int, float]:
    if cores is not None:
        os.sched_setaffinity(0, cores)
    hasher = parameters.hasher()
    password_hash = hasher.hash(PASSWORD)

    # time.monotonic() reads CLOCK_MONOTONIC, which all processes share on Linux.
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    started = time.monotonic()
    deadline = started + duration
    count = 0
    while time.monotonic() < deadline:
        hasher.verify(password_hash, PASSWORD)
        count += 1
    return count, time.monotonic() - started


def _read_int(environment: Mapping[str, str], name: str, default: int) -> int:
    value = environment.get(name, "").strip()
    return int(value) if value else default
