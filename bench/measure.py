"""Measuring one scenario: warm up, let the server settle, run wrk, read peak memory."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.hashing import Argon2Parameters
from bench.load import LoadGeneratorError, LoadResult, LoadSpec, run_wrk
from bench.options import Options
from bench.organisations import SeededOrganisation
from bench.processes import ProcessRegistry, peak_rss_bytes, reset_peak_rss, wait_until_idle
from bench.results import OK, ConfigurationResult, ScenarioResult
from bench.servers import Server

logger = logging.getLogger(__name__)

# wrk above this share of its core may itself be what limits the rate.
LOAD_GENERATOR_BUSY_SHARE = 0.9


@dataclass
class SharedData:
    """Accounts and organisations that the first configuration prepares and later ones reuse."""

    load_users: list[str] = field(default_factory=list)
    owner_email: str | None = None
    token_users: list[str] = field(default_factory=list)
    peer_tables_created: bool = False
    peer_users: list[str] = field(default_factory=list)
    organisations: list[SeededOrganisation] = field(default_factory=list)
    query_plans: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Context:
    """Everything the scenarios of a run share."""

    options: Options
    registry: ProcessRegistry
    run_directory: Path
    elenchos_environment: dict[str, str]
    peer_environment: dict[str, str]
    database_url: str
    argon2: Argon2Parameters
    shared: SharedData = field(default_factory=SharedData)

    def path(self, name: str) -> Path:
        return self.run_directory / name

    def write_lines(self, name: str, lines: list[str]) -> Path:
        path = self.path(name)
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path


async def run_load(
    context: Context,
    configuration: ConfigurationResult,
    spec: LoadSpec,
    duration: float,
    log_name: str,
    connections: int | None = None,
) -> LoadResult:
    options = context.options
    log_path = context.path(f"wrk-{configuration.workers}w-{log_name}.log")
    return await asyncio.to_thread(
        run_wrk,
        spec,
        connections=connections or options.connections,
        duration=duration,
        timeout=options.request_timeout,
        cores=configuration.layout.load,
        log_path=log_path,
        registry=context.registry,
    )


async def measure(
    context: Context,
    configuration: ConfigurationResult,
    result: ScenarioResult,
    server: Server,
    spec: LoadSpec,
    warmup_spec: LoadSpec | None = None,
    connections: int | None = None,
) -> ScenarioResult:
    """Warm up, measure for the run's duration and add result to configuration.

    A wrk failure, an error count above zero or a request list that ran out
    marks result as failed.
    """
    configuration.add(result)
    options = context.options
    try:
        if options.warmup > 0:
            warm = await run_load(
                context,
                configuration,
                warmup_spec or spec,
                options.warmup,
                f"{result.key}-warmup",
                connections,
            )
            result.warmup_errors = warm.error_count
        await settle(server)
        result.peak_rss_scope = reset_peaks(server)
        result.load = await run_load(
            context, configuration, spec, options.duration, result.key, connections
        )
        result.peak_rss_bytes = read_peaks(server)
        await settle(server)
    except LoadGeneratorError as error:
        result.fail(str(error))
        return result
    judge(result)
    return result


def judge(result: ScenarioResult) -> None:
    """Fail a measured result that had errors or ran out of prepared requests."""
    if result.status != OK or result.load is None:
        return
    load = result.load
    if load.exhausted_threads:
        result.fail(
            "wrk ran out of values to send before the run ended, so the rate is "
            "understated; in recycle mode, responses stopped carrying a new value"
        )
    elif result.error_count:
        details = ", ".join(f"{name} {count}" for name, count in load.errors.items() if count)
        result.fail(
            f"{result.error_count} errors ({details or 'during warm-up'}); "
            "the wrk and server logs are in the run directory"
        )
    if load.load_generator_cpu_share > LOAD_GENERATOR_BUSY_SHARE:
        load.notes.append(
            f"wrk used {load.load_generator_cpu_share:.0%} of a core and may have limited the rate"
        )


async def settle(server: Server) -> None:
    """Wait until the server has finished the requests of clients that already left."""
    waited = await asyncio.to_thread(wait_until_idle, server.all_pids())
    if waited > 1.0:
        logger.info("%s needed %.1f s to finish queued requests", server.name, waited)


def reset_peaks(server: Server) -> str:
    pids = server.worker_pids()
    if pids and all(reset_peak_rss(pid) for pid in pids):
        return "scenario"
    return "process lifetime"


def read_peaks(server: Server) -> list[int]:
    return [peak for pid in server.worker_pids() if (peak := peak_rss_bytes(pid)) is not None]
