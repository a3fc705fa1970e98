"""Run the benchmark: `python -m bench.run [--quick]` from the repository root.

It starts a throwaway PostgreSQL cluster with the test suite's helper, creates
and migrates the databases, runs every scenario for each worker count, writes
bench/results/<date>-<commit>.json and latest.md, and stops every process it
started, on Ctrl-C and SIGTERM too. The exit code is 0 when no scenario had an
error, 1 when one had, and 2 when the run could not start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from tests.support.postgres import (
    PostgresServer,
    create_database,
    drop_database,
    start_postgres,
    unique_database_name,
)

from bench.hashing import Argon2Parameters
from bench.load import LoadGeneratorError, wrk_version
from bench.measure import Context
from bench.options import QUICK_ARGON2_ENVIRONMENT, Options, parse_options
from bench.organisations import asyncpg_dsn
from bench.processes import (
    UNPINNED,
    CoreLayout,
    ProcessRegistry,
    child_pids,
    set_affinity,
    split_layout,
)
from bench.report import (
    evaluate_ratios,
    failed_scenarios,
    git_commit,
    machine_info,
    render_markdown,
)
from bench.results import ConfigurationResult
from bench.scenarios import run_configuration

logger = logging.getLogger("bench.run")

MIGRATE_TIMEOUT_SECONDS = 300
# All load comes from 127.0.0.1, and the limiter counts a sign-in as failed
# until its password is verified, so 64 concurrent sign-ins would hit the
# per-IP default of 50. Raised limits keep the limiter's work in the measured
# path without rejecting the load. Values set in the environment win.
SIGN_IN_LIMIT_ENVIRONMENT = {
    "ELENCHOS_SIGN_IN_FAILURES_PER_IP": "1000000",
    "ELENCHOS_SIGN_IN_FAILURES_PER_ACCOUNT": "1000000",
}


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Python's default SIGTERM action skips finally blocks; this runs them.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    # A shell starts background jobs with SIGINT ignored; the cleanup needs Ctrl-C to arrive.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        load_generator = wrk_version()
    except LoadGeneratorError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2

    run_directory = Path(tempfile.mkdtemp(prefix="elenchos-bench-"))
    postgres: PostgresServer | None = None
    keep_run_directory = True
    try:
        with ProcessRegistry() as registry:
            postgres, source = start_postgres()
            if postgres is None:
                print(f"bench: {source}", file=sys.stderr)
                return 2
            document = asyncio.run(
                run(options, registry, run_directory, postgres, source, load_generator)
            )
        exit_code = _write_results(options, document)
        keep_run_directory = exit_code != 0
        return exit_code
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started has been stopped", file=sys.stderr)
        return 130
    except Exception:
        logger.exception("The benchmark run failed")
        return 2
    finally:
        if postgres is not None:
            postgres.stop()
        if keep_run_directory:
            print(f"bench: logs of this run are in {run_directory}", file=sys.stderr)
        else:
            shutil.rmtree(run_directory, ignore_errors=True)


async def run(
    options: Options,
    registry: ProcessRegistry,
    run_directory: Path,
    postgres: PostgresServer,
    postgres_source: str,
    load_generator: str,
) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    elenchos_database = unique_database_name("elenchos_bench")
    peer_database = unique_database_name("peer_bench")
    try:
        context = await _prepare(
            options, registry, run_directory, postgres, elenchos_database, peer_database
        )
        configurations = []
        for workers in options.workers:
            layout = _layout(options, workers)
            await _pin_postgres(context.database_url, layout)
            configuration = ConfigurationResult(workers, layout)
            configurations.append(configuration)
            await run_configuration(context, configuration)
        postgres_version = await _server_version(context.database_url)
    finally:
        # A local cluster is deleted whole; a server named by ELENCHOS_TEST_DATABASE_URL is not.
        if postgres.source == "environment":
            for name in (elenchos_database, peer_database):
                await drop_database(postgres.url, name)

    return _document(
        options,
        context,
        configurations,
        started_at,
        {"version": postgres_version, "source": postgres_source},
        load_generator,
    )


async def _prepare(
    options: Options,
    registry: ProcessRegistry,
    run_directory: Path,
    postgres: PostgresServer,
    elenchos_database: str,
    peer_database: str,
) -> Context:
    database_url = await create_database(postgres.url, elenchos_database)
    peer_database_url = await create_database(postgres.url, peer_database)

    base = dict(os.environ)
    if options.quick:
        for name, value in QUICK_ARGON2_ENVIRONMENT.items():
            base.setdefault(name, value)
    argon2 = Argon2Parameters.from_environment(base)
    # Both applications get the parameters spelled out, so they hash alike.
    hashing = {
        "ELENCHOS_ARGON2_TIME_COST": str(argon2.time_cost),
        "ELENCHOS_ARGON2_MEMORY_COST_KIB": str(argon2.memory_cost_kib),
        "ELENCHOS_ARGON2_PARALLELISM": str(argon2.parallelism),
    }
    elenchos_environment = {
        **SIGN_IN_LIMIT_ENVIRONMENT,
        **base,
        **hashing,
        "ELENCHOS_ENV": "development",
        "ELENCHOS_DATABASE_URL": database_url,
        "ELENCHOS_DATA_DIR": str(run_directory / "data"),
        "ELENCHOS_JWT_PRIVATE_KEY_FILE": str(_write_key(run_directory / "elenchos-key.pem")),
        "ELENCHOS_MAIL_BACKEND": "memory",
        "ELENCHOS_REQUIRE_VERIFIED_EMAIL": "false",
    }
    peer_environment = {
        **base,
        **hashing,
        "PEER_DATABASE_URL": peer_database_url,
        "PEER_JWT_PRIVATE_KEY_FILE": str(_write_key(run_directory / "peer-key.pem")),
    }
    await asyncio.to_thread(_migrate, elenchos_environment, run_directory)
    return Context(
        options=options,
        registry=registry,
        run_directory=run_directory,
        elenchos_environment=elenchos_environment,
        peer_environment=peer_environment,
        database_url=database_url,
        argon2=argon2,
    )


def _write_key(path: Path) -> Path:
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(pem)
    return path


def _migrate(environment: dict[str, str], run_directory: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "elenchos", "migrate"],
        env=environment,
        cwd=run_directory,
        capture_output=True,
        text=True,
        timeout=MIGRATE_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"elenchos migrate failed with exit code {completed.returncode}: "
            f"{(completed.stderr or completed.stdout)[-2000:]}"
        )


def _layout(options: Options, workers: int) -> CoreLayout:
    # One worker gets cores of its own and wrk another. Several workers get
    # every core, shared with wrk, because pinning them all to the cores left
    # after wrk's would crowd them onto fewer cores than there are workers.
    if workers == 1 and options.pin:
        return split_layout()
    return UNPINNED


async def _pin_postgres(database_url: str, layout: CoreLayout) -> None:
    """Pin the PostgreSQL server's processes to the server cores of the layout.

    Backends inherit the postmaster's affinity, so new connections follow
    too. Does nothing for a server whose processes this machine does not show.
    """
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        backend = await connection.fetchval("SELECT pg_backend_pid()")
    finally:
        await connection.close()
    postmaster = _parent_pid(backend)
    if postmaster is None:
        logger.info("PostgreSQL runs elsewhere; its processes are not pinned")
        return
    set_affinity([postmaster, *child_pids(postmaster)], layout.server)


def _parent_pid(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return None


async def _server_version(database_url: str) -> str:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        version: str = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return version


def _document(
    options: Options,
    context: Context,
    configurations: list[ConfigurationResult],
    started_at: datetime,
    postgres: dict[str, str],
    load_generator: str,
) -> dict[str, Any]:
    errors_total = sum(
        scenario.error_count
        for configuration in configurations
        for scenario in configuration.scenarios
    )
    return {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_commit(),
        "machine": machine_info(),
        "postgres": postgres,
        "load_generator": load_generator,
        "run": {
            "quick": options.quick,
            "duration": options.duration,
            "warmup": options.warmup,
            "connections": options.connections,
            "large_members": options.large_members,
            "small_members": options.small_members,
            "page_size": options.page_size,
            "argon2": context.argon2.describe(),
        },
        "configurations": [configuration.to_json() for configuration in configurations],
        "ratios": evaluate_ratios(configurations, options.large_members, options.small_members),
        "query_plans": context.shared.query_plans,
        "errors_total": errors_total,
        "failures": failed_scenarios(configurations),
    }


def _write_results(options: Options, document: dict[str, Any]) -> int:
    directory = options.results_directory
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{document['started_at'][:10]}-{document['git']['short']}"
    json_path = directory / f"{name}.json"
    markdown_path = directory / "latest.md"
    markdown = render_markdown(document)

    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"bench: wrote {json_path} and {markdown_path}")

    if document["failures"]:
        print("bench: these scenarios failed:", file=sys.stderr)
        for failure in document["failures"]:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"received {signal.Signals(signum).name}")


if __name__ == "__main__":
    sys.exit(main())
