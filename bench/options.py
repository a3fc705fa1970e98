"""Settings of one benchmark run, from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.processes import available_cores

RESULTS_DIRECTORY = Path(__file__).resolve().parent / "results"

# A smoke run hashes with cheap argon2 parameters, unless ELENCHOS_ARGON2_*
# are set, so that sign-ins complete within its few seconds.
QUICK_ARGON2_ENVIRONMENT = {
    "ELENCHOS_ARGON2_TIME_COST": "1",
    "ELENCHOS_ARGON2_MEMORY_COST_KIB": "8192",
    "ELENCHOS_ARGON2_PARALLELISM": "1",
}


@dataclass(frozen=True)
class Options:
    quick: bool
    duration: float
    warmup: float
    connections: int
    large_members: int
    small_members: int
    workers: tuple[int, ...]
    pin: bool
    request_timeout: float
    results_directory: Path
    load_users: int = 16
    page_size: int = 50
    # Seconds the sign-in flood runs before GET /v1/me is measured beside it.
    flood_lead: float = 2.0


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    return _resolve(parser, arguments)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=(
            "Benchmark Elenchos next to a bare FastAPI app, the argon2 limit and a "
            "fastapi-users peer, on servers that this command starts on 127.0.0.1 and stops."
        ),
    )

    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            "Smoke run: 2 s per scenario without warm-up, 2,000 members, cheap argon2 "
            "parameters; results go to bench/results/quick/."
        ),
    )

    parser.add_argument(
        "--duration", type=float, help="Measured seconds per scenario (10; quick 2)."
    )
    parser.add_argument(
        "--warmup", type=float, help="Warm-up seconds before each scenario (3; quick 0)."
    )
    parser.add_argument(
        "--connections", type=int, default=64, help="Open connections of wrk (default: 64)."
    )

    parser.add_argument(
        "--members",
        type=int,
        help="Members of the large organisation (100,000; quick 2,000).",
    )
    parser.add_argument(
        "--workers",
        help=(
            "Comma-separated uvicorn worker counts to run every scenario with "
            "(default: 1 and the CPU count)."
        ),
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="Do not pin the 1-worker runs to cores; by default wrk gets a core of its own.",
    )

    parser.add_argument(
        "--request-timeout",
        type=float,
        default=60.0,
        help="Seconds after which wrk counts a request as timed out (default: 60).",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        help=(
            "Directory for the JSON and Markdown results "
            "(default: bench/results; quick: bench/results/quick)."
        ),
    )
    return parser


def _resolve(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> Options:
    quick: bool = arguments.quick
    cores = len(available_cores())
    workers = _parse_workers(parser, arguments.workers, cores)
    if arguments.connections < 1:
        parser.error("--connections must be at least 1")

    if quick:
        # No warm-up: a smoke run looks for errors, and skipping it keeps the run short.
        duration, warmup, members = 2.0, 0.0, 2_000
        default_results = RESULTS_DIRECTORY / "quick"
    else:
        duration, warmup, members = 10.0, 3.0, 100_000
        default_results = RESULTS_DIRECTORY
    if arguments.warmup is not None:
        warmup = arguments.warmup

    return Options(
        quick=quick,
        duration=arguments.duration or duration,
        warmup=warmup,
        connections=arguments.connections,
        large_members=arguments.members or members,
        small_members=100,
        workers=workers,
        pin=not arguments.no_pin,
        request_timeout=arguments.request_timeout,
        results_directory=arguments.results_dir or default_results,
    )


def _parse_workers(parser: argparse.ArgumentParser, raw: str | None, cores: int) -> tuple[int, ...]:
    if raw is None:
        return tuple(sorted({1, cores}))
    try:
        counts = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        parser.error(f"--workers must be comma-separated integers, not {raw!r}")
    if not counts or min(counts) < 1:
        parser.error("--workers needs at least one count, each 1 or more")
    return counts
