"""Running wrk and reading its results.

wrk runs with one thread, pinned to the load generator's core when the run
pins cores. lua/report.lua prints the results as one JSON line. The CPU time
of wrk itself comes from wait4(), and shows whether the load generator rather
than the server limited the rate.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.processes import ManagedProcess, ProcessRegistry, taskset_prefix

logger = logging.getLogger(__name__)

LUA_DIRECTORY = Path(__file__).parent / "lua"
REPORT_SCRIPT = LUA_DIRECTORY / "report.lua"
LINES_SCRIPT = LUA_DIRECTORY / "lines.lua"
RESULT_PREFIX = "BENCH_RESULT "


class LoadGeneratorError(Exception):
    """wrk is missing, failed, or printed no result."""


@dataclass(frozen=True)
class LoadSpec:
    """The requests of a wrk run: a URL, and the arguments of lines.lua when requests vary."""

    url: str
    script_args: tuple[str, ...] = ()

    @classmethod
    def lines(
        cls,
        url: str,
        lines_file: Path,
        method: str,
        place: str,
        template: str,
        mode: str = "cycle",
        content_type: str | None = None,
        recycle_field: str | None = None,
    ) -> LoadSpec:
        """Send each request with the next line of lines_file; see lua/lines.lua."""
        arguments = [str(lines_file), mode, method, place, template, content_type or "-"]
        if recycle_field is not None:
            arguments.append(recycle_field)
        return cls(url, tuple(arguments))

    @property
    def script(self) -> Path:
        return LINES_SCRIPT if self.script_args else REPORT_SCRIPT


@dataclass
class LoadResult:
    """One wrk run. Latencies are in milliseconds, CPU time in seconds."""

    requests: int
    duration_seconds: float
    latency_ms: dict[str, float]
    errors: dict[str, int]
    load_generator_cpu_seconds: float
    connections: int
    exhausted_threads: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.duration_seconds if self.duration_seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def load_generator_cpu_share(self) -> float:
        """CPU time of wrk as a share of one core over the run."""
        if self.duration_seconds <= 0:
            return 0.0
        return self.load_generator_cpu_seconds / self.duration_seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "duration_seconds": round(self.duration_seconds, 3),
            "requests_per_second": round(self.rate, 1),
            "latency_ms": self.latency_ms,
            "errors": self.errors,
            "error_count": self.error_count,
            "connections": self.connections,
            "load_generator_cpu_seconds": round(self.load_generator_cpu_seconds, 3),
            "load_generator_cpu_share": round(self.load_generator_cpu_share, 3),
            "exhausted_threads": self.exhausted_threads,
            "notes": self.notes,
        }


def wrk_path() -> str:
    """Return the path of wrk; raises LoadGeneratorError with the install command if missing."""
    path = shutil.which("wrk")
    if path is None:
        raise LoadGeneratorError(
            "wrk is not installed: run 'make bench', which installs it as root, "
            "or 'apt-get install wrk'"
        )
    return path


def wrk_version() -> str:
    completed = subprocess.run(  # noqa: S603 - runs wrk found on PATH, with fixed arguments
        [wrk_path(), "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    first_line = (completed.stdout or completed.stderr).splitlines()[0]
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
    return first_line.partition(" Copyright")[0].strip()


def run_wrk(
    spec: LoadSpec,
    *,
    connections: int,
    duration: float,
    timeout: float,
    cores: frozenset[int] | None,
    log_path: Path,
    registry: ProcessRegistry,
) -> LoadResult:
    """Run wrk for duration seconds and return what it measured.

    Blocks until wrk exits; call it through asyncio.to_thread. Raises
    LoadGeneratorError when wrk fails or prints no result line.
    """
    argv = [
        *taskset_prefix(cores),
        wrk_path(),
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(duration))}s",
        "--timeout",
        f"{max(1, round(timeout))}s",
        "--script",
        str(spec.script),
        spec.url,
    ]
    if spec.script_args:
        argv += ["--", *spec.script_args]

    process = registry.add(ManagedProcess("wrk", argv, log_path))
    process.start()
    # wait4 rather than Popen.wait, because it also returns the CPU time of
    # the child. taskset execs wrk, so the pid is wrk's own.
    _, status, usage = os.wait4(process.pid, 0)
    assert process.process is not None
    process.process.returncode = os.waitstatus_to_exitcode(status)
    output = log_path.read_text(encoding="utf-8", errors="replace")

    if process.process.returncode != 0:
        raise LoadGeneratorError(
            f"wrk exited with code {process.process.returncode}: {output[-1500:]}"
        )
    result = _parse_result(output, connections)
    result.load_generator_cpu_seconds = usage.ru_utime + usage.ru_stime
    return result


def _parse_result(output: str, connections: int) -> LoadResult:
    for line in reversed(output.splitlines()):
        if line.startswith(RESULT_PREFIX):
            data = json.loads(line.removeprefix(RESULT_PREFIX))
            break
    else:
        raise LoadGeneratorError(f"wrk printed no {RESULT_PREFIX.strip()} line: {output[-1500:]}")

    latency_ms = {name: round(value / 1000.0, 3) for name, value in data["latency_us"].items()}
    return LoadResult(
        requests=int(data["requests"]),
        duration_seconds=data["duration_us"] / 1_000_000,
        latency_ms=latency_ms,
        errors={name: int(count) for name, count in data["errors"].items()},
        load_generator_cpu_seconds=0.0,
        connections=connections,
        exhausted_threads=int(data["exhausted_threads"]),
    )
