"""The HTTP servers under test, each a uvicorn process on 127.0.0.1.

Elenchos runs through its own `serve` command. The baseline and the peer run
under `python -m uvicorn` with the settings that `elenchos serve` passes to
uvicorn: no access log, no proxy headers, and uvicorn's automatic choice of
event loop and HTTP parser (uvloop and httptools when installed).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import (
    ManagedProcess,
    ProcessRegistry,
    child_pids,
    command_line,
    free_port,
)

logger = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 90.0
# uvicorn logs this line once per worker when the application's lifespan has started.
STARTUP_LINE = "Application startup complete"


class ServerError(Exception):
    """A server failed to start or stopped responding."""


@dataclass
class Server:
    name: str
    process: ManagedProcess
    port: int
    workers: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def worker_pids(self) -> list[int]:
        """Return the pids of the processes that serve requests.

        With one worker uvicorn serves in the process it was started as. With
        more, the workers are that process's children started through
        multiprocessing's spawn, which leaves "spawn_main" in their command line.
        """
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in child_pids(self.process.pid) if "spawn_main" in command_line(pid)]

    def all_pids(self) -> list[int]:
        return [self.process.pid, *child_pids(self.process.pid)]

    def stop(self) -> None:
        self.process.stop()


def start_elenchos(
    registry: ProcessRegistry,
    *,
    name: str,
    workers: int,
    environment: dict[str, str],
    run_directory: Path,
    cores: frozenset[int] | None,
) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "elenchos",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return _start(registry, name, argv, port, workers, environment, run_directory, cores)


def start_uvicorn_app(
    registry: ProcessRegistry,
    *,
    name: str,
    factory: str,
    workers: int,
    environment: dict[str, str],
    run_directory: Path,
    cores: frozenset[int] | None,
) -> Server:
    """Serve an application factory of this repository, such as bench.baseline_app:create_app."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--app-dir",
        str(REPOSITORY_ROOT),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--no-proxy-headers",
        "--log-level",
        "info",
    ]
    return _start(registry, name, argv, port, workers, environment, run_directory, cores)


def _start(
    registry: ProcessRegistry,
    name: str,
    argv: list[str],
    port: int,
    workers: int,
    environment: dict[str, str],
    run_directory: Path,
    cores: frozenset[int] | None,
) -> Server:
    log_path = run_directory / f"{name}.log"
    # The run directory as working directory keeps a .env file of the
    # checkout from changing the settings under test.
    process = registry.add(
        ManagedProcess(name, argv, log_path, env=environment, cwd=run_directory, cores=cores)
    )
    process.start()
    return Server(name=name, process=process, port=port, workers=workers)


async def wait_until_ready(server: Server, limit_seconds: float = READY_TIMEOUT_SECONDS) -> None:
    """Wait until GET /healthz returns 200 and every worker has finished starting.

    Raises ServerError with the end of the server's log when the process exits
    or limit_seconds pass first.
    """
    deadline = time.monotonic() + limit_seconds
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5.0) as client:
        while True:
            if not server.process.is_running():
                raise ServerError(
                    f"{server.name} exited while starting (log: {server.process.log_path}); "
                    f"the log ends with:\n{server.process.log_tail()}"
                )
            if await _answers(client) and _started_workers(server) >= server.workers:
                logger.info("%s is ready at %s", server.name, server.base_url)
                return
            if time.monotonic() > deadline:
                raise ServerError(
                    f"{server.name} was not ready after {limit_seconds:.0f} s "
                    f"(log: {server.process.log_path}); the log ends with:\n"
                    f"{server.process.log_tail()}"
                )
            await asyncio.sleep(0.2)


async def _answers(client: httpx.AsyncClient) -> bool:
    try:
        response = await client.get("/healthz")
    except httpx.TransportError:
        return False
    return response.status_code == 200


def _started_workers(server: Server) -> int:
    try:
        text = server.process.log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return text.count(STARTUP_LINE)
