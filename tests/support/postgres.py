"""PostgreSQL servers for the test suite and the benchmark harness.

start_postgres() uses the first source that works:

1. ELENCHOS_TEST_DATABASE_URL, a server that someone else runs;
2. a testcontainers PostgresContainer (postgres:16-alpine), when a local Docker engine answers;
3. a throwaway cluster made with this machine's PostgreSQL server binaries.

It returns (None, reason) when none of them works. create_database() and drop_database()
give each test module an empty database of its own on the server.

``python -m tests.support.postgres`` starts a server the same way, prints its URL on
standard output and stops it on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import NoReturn
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "ELENCHOS_TEST_DATABASE_URL"
REQUIRE_POSTGRES_ENV = "ELENCHOS_REQUIRE_POSTGRES"

CONTAINER_IMAGE = "postgres:16-alpine"
TEST_DATABASE = "elenchos_test"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
# Concurrency tests open many sessions at once. PostgreSQL's default is 100.
MAX_CONNECTIONS = 200

DOCKER_PING_TIMEOUT_SECONDS = 2.0
INITDB_TIMEOUT_SECONDS = 120.0
STARTUP_TIMEOUT_SECONDS = 60.0
SHUTDOWN_TIMEOUT_SECONDS = 30.0
CREATEDB_TIMEOUT_SECONDS = 30.0
PORT_ATTEMPTS = 3

_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_LOCAL_DOCKER_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class PostgresUnavailable(Exception):
    """A source of PostgreSQL servers could not provide one."""


class PostgresServer:
    """A running PostgreSQL server and the URL of a database on it.

    The role in ``url`` may run CREATE DATABASE, so create_database() accepts ``url``
    as its admin URL. ``stop()`` stops the server only when this process started it.
    """

    def __init__(
        self,
        url: str,
        source: str,
        stop_callback: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self.source = source
        self._stop_callback = stop_callback
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Stop the server and delete its files. Later calls do nothing."""
        with self._lock:
            callback, self._stop_callback = self._stop_callback, None
        if callback is not None:
            callback()

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PostgresServer(url={mask_password(self.url)!r}, source={self.source!r})"


def mask_password(url: str) -> str:
    """Return url with its password replaced by ***, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


def normalize_database_url(raw: str) -> str:
    """Convert a PostgreSQL URL of any SQLAlchemy driver to a postgresql+asyncpg:// URL.

    libpq's ``sslmode`` query parameter becomes asyncpg's ``ssl``, which takes the same
    values. Raises ValueError when raw is not a PostgreSQL URL.
    """
    candidate = raw.strip()
    # SQLAlchemy 1.4 and later reject the postgres:// scheme that some hosting services print.
    if candidate.startswith("postgres://"):
        candidate = "postgresql://" + candidate.removeprefix("postgres://")

    try:
        url = make_url(candidate)
    except ArgumentError:
        # The parser's message repeats the URL, which may contain a password.
        raise ValueError(
            "invalid database URL: expected postgresql://user:password@host:port/database"
        ) from None

    backend = url.get_backend_name()
    if backend != "postgresql":
        raise ValueError(f"expected a PostgreSQL URL, got the {backend!r} dialect")

    query = dict(url.query)
    if "sslmode" in query:
        sslmode = query.pop("sslmode")
        query.setdefault("ssl", sslmode)
    url = url.set(drivername="postgresql+asyncpg", query=query)
    return url.render_as_string(hide_password=False)


def start_postgres() -> tuple[PostgresServer | None, str]:
    """Start or find a PostgreSQL server and return it with a reason naming its source.

    The server is None when no source works, and the reason then lists why each source
    failed. A server that this function starts is also stopped at interpreter exit. For
    a local cluster, SIGTERM then raises KeyboardInterrupt unless the program has its
    own SIGTERM handler, so that cleanup runs when CI terminates the tests.
    """
    raw_url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if raw_url:
        try:
            url = normalize_database_url(raw_url)
        except ValueError as error:
            return None, f"{DATABASE_URL_ENV} is set but unusable: {error}"
        logger.info(
            "Using the PostgreSQL server at %s from %s", mask_password(url), DATABASE_URL_ENV
        )
        return PostgresServer(url, source="environment"), f"{DATABASE_URL_ENV} is set"

    failures: list[str] = []

    engine_answers, docker_detail = docker_engine_answers()
    if engine_answers:
        try:
            server = _start_container()
        except PostgresUnavailable as error:
            logger.warning("PostgreSQL container failed to start, trying local binaries: %s", error)
            failures.append(str(error))
        else:
            atexit.register(server.stop)
            return server, f"container {CONTAINER_IMAGE} ({docker_detail})"
    else:
        logger.info("Not using containers: %s", docker_detail)
        failures.append(docker_detail)

    bindir, search_detail = find_server_bindir()
    if bindir is None:
        failures.append(search_detail)
        return None, "no PostgreSQL server available: " + "; ".join(failures)

    cluster = LocalCluster(bindir)
    try:
        url = cluster.start()
    except PostgresUnavailable as error:
        logger.warning("Local PostgreSQL cluster failed to start: %s", error)
        failures.append(str(error))
        return None, "no PostgreSQL server available: " + "; ".join(failures)

    server = PostgresServer(url, source="local cluster", stop_callback=cluster.stop)
    atexit.register(server.stop)
    _stop_on_sigterm()
    return server, f"local cluster from {bindir}"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the running test because PostgreSQL is unavailable.

    Fails the test instead when ELENCHOS_REQUIRE_POSTGRES=1, as CI sets it.
    """
    import pytest

    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(
            f"PostgreSQL is unavailable and {REQUIRE_POSTGRES_ENV}=1: {reason}",
            pytrace=False,
        )
    pytest.skip(f"PostgreSQL is unavailable: {reason}")


# Databases


def unique_database_name(prefix: str = "elenchos_test") -> str:
    """Return a database name that starts with prefix and is unlikely to exist yet."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def create_database(admin_url: str, name: str) -> str:
    """Create an empty database on the server of admin_url and return its URL.

    The role in admin_url needs the CREATEDB privilege. The copy is made from template0,
    so a session left open on template1 cannot block it. Raises ValueError for a name
    that is not a lower-case SQL identifier of at most 63 characters.
    """
    _validate_database_name(name)
    await _execute_autocommit(admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0')
    logger.info("Created database %s on %s", name, mask_password(admin_url))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop the database called name, ending its open sessions first.

    Does nothing when the database does not exist. Raises ValueError when admin_url
    connects to that database, because PostgreSQL cannot drop the current database.
    """
    _validate_database_name(name)
    if make_url(admin_url).database == name:
        raise ValueError(f"cannot drop {name!r} through a connection to it: use another admin URL")

    engine = create_async_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            version = connection.dialect.server_version_info or (0,)
            if version >= (13,):
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        await engine.dispose()
    logger.info("Dropped database %s on %s", name, mask_password(admin_url))


def _validate_database_name(name: str) -> None:
    # The name is spliced into SQL because CREATE DATABASE takes no bind parameters.
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(
            f"invalid database name {name!r}: use 1 to 63 lower-case letters, digits "
            "and underscores, not starting with a digit"
        )


async def _execute_autocommit(admin_url: str, statement: str) -> None:
    # CREATE DATABASE cannot run inside a transaction block.
    engine = create_async_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


# Docker


def docker_engine_answers(
    timeout: float = DOCKER_PING_TIMEOUT_SECONDS,
) -> tuple[bool, str]:
    """Send GET /_ping to the Docker engine and return whether it replied 200, with details.

    Reads DOCKER_HOST as the Docker CLI does and accepts only engines on this machine:
    a unix socket, or plain TCP on a loopback address. An engine behind TLS or SSH
    counts as unavailable.
    """
    docker_host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    address: str | tuple[str, int]

    if docker_host.startswith("unix://"):
        path = docker_host.removeprefix("unix://")
        if not os.path.exists(path):
            return False, f"no Docker engine: socket {path} does not exist"
        family, address = socket.AF_UNIX, path
    elif docker_host.startswith("tcp://"):
        parts = urlsplit(docker_host)
        if parts.hostname not in _LOCAL_DOCKER_HOSTS:
            return False, f"DOCKER_HOST={docker_host} is not on the loopback address"
        if os.environ.get("DOCKER_TLS_VERIFY"):
            return False, "DOCKER_TLS_VERIFY is set, and the engine check speaks plain HTTP only"
        family = socket.AF_INET6 if parts.hostname == "::1" else socket.AF_INET
        address = (parts.hostname, parts.port or 2375)
    else:
        return False, f"DOCKER_HOST={docker_host} uses an unsupported scheme"

    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(address)
            connection.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = connection.recv(256)
    except OSError as error:
        return False, f"Docker engine at {docker_host} did not answer: {error}"

    status_line = reply.split(b"\r\n", 1)[0].decode("latin-1")
    if status_line.split()[1:2] != ["200"]:
        return False, f"Docker engine at {docker_host} replied {status_line!r} to /_ping"
    return True, f"Docker engine at {docker_host}"


def _start_container() -> PostgresServer:
    # Imported here so that machines without Docker never load the Docker SDK.
    from testcontainers.community.postgres import PostgresContainer

    logger.info("Starting container %s", CONTAINER_IMAGE)
    container: PostgresContainer | None = None
    try:
        # The constructor already talks to the engine, so it belongs inside the try.
        container = PostgresContainer(
            CONTAINER_IMAGE,
            username="elenchos",
            password="elenchos",
            dbname=TEST_DATABASE,
            driver="asyncpg",
        )
        container.with_command(
            f"postgres -c max_connections={MAX_CONNECTIONS} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        container.start()
        url = container.get_connection_url()
    # testcontainers raises Docker SDK, requests and its own errors, and all of them
    # mean the same here: fall back to the local binaries.
    except Exception as error:
        if container is not None:
            with contextlib.suppress(Exception):
                container.stop()
        raise PostgresUnavailable(
            f"container {CONTAINER_IMAGE} failed to start: {error}"
        ) from error

    logger.info("Container %s is ready at %s", CONTAINER_IMAGE, mask_password(url))

    started_container = container

    def stop_container() -> None:
        logger.info("Stopping container %s", CONTAINER_IMAGE)
        started_container.stop()

    return PostgresServer(url, source="container", stop_callback=stop_container)


# Local cluster


def find_server_bindir() -> tuple[Path | None, str]:
    """Return the directory of the newest usable initdb and pg_ctl, or None and what was searched.

    Looks at ``pg_config --bindir`` first, then /usr/lib/postgresql/*/bin (Debian and
    Ubuntu), then initdb on PATH.
    """
    searched: list[str] = []

    pg_config = shutil.which("pg_config")
    if pg_config is None:
        searched.append("pg_config is not on PATH")
    else:
        try:
            result = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            searched.append(f"pg_config --bindir failed: {error}")
        else:
            bindir = Path(result.stdout.strip())
            if _has_server_binaries(bindir):
                return bindir, f"pg_config --bindir: {bindir}"
            searched.append(f"pg_config --bindir gave {bindir}, which has no initdb and pg_ctl")

    debian_bindirs = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True
    )
    for bindir in debian_bindirs:
        if _has_server_binaries(bindir):
            return bindir, f"newest of /usr/lib/postgresql/*/bin: {bindir}"
    searched.append("no initdb in /usr/lib/postgresql/*/bin")

    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(initdb).resolve().parent
        if _has_server_binaries(bindir):
            return bindir, f"initdb on PATH: {bindir}"
        searched.append(f"initdb on PATH resolves to {bindir}, which has no pg_ctl")
    else:
        searched.append("initdb is not on PATH")

    return None, "no PostgreSQL server binaries: " + "; ".join(searched)


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(bindir: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,), /usr/lib/postgresql/9.6/bin -> (9, 6)
    try:
        return tuple(int(part) for part in bindir.parent.name.split("."))
    except ValueError:
        return (-1,)


def _free_port() -> int:
    # Another process may take the port before PostgreSQL binds it. LocalCluster.start
    # retries with a new port when that happens.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalCluster:
    """A throwaway PostgreSQL cluster in a temporary directory, made with initdb.

    It trusts every connection, so it listens only on 127.0.0.1 and keeps its unix
    socket inside the temporary directory. Durability settings are off because the
    data is deleted at stop().

    initdb and postgres reject root, so as root the cluster runs as the ``postgres``
    system user through runuser.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.directory: Path | None = None
        self.port: int | None = None
        self._user_prefix: list[str] = []

    @property
    def data_directory(self) -> Path:
        assert self.directory is not None, "LocalCluster.start() has not run"
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        assert self.directory is not None, "LocalCluster.start() has not run"
        return self.directory / "postgresql.log"

    def start(self) -> str:
        """Create and start the cluster, create the database elenchos_test and return its URL.

        Raises PostgresUnavailable with the server log when a step fails, after
        removing whatever the failed start left behind.
        """
        self._user_prefix = self._find_user_prefix()
        self.directory = Path(tempfile.mkdtemp(prefix="elenchos-pg-"))
        logger.info("Creating a PostgreSQL cluster in %s with %s", self.directory, self.bindir)
        try:
            self._prepare_directory()
            self._initdb()
            self._write_settings()
            self._start_server()
            self._wait_until_ready()
            self._create_test_database()
        except BaseException:
            self.stop()
            raise

        url = f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{TEST_DATABASE}"
        logger.info("PostgreSQL cluster is ready at %s", url)
        return url

    def stop(self) -> None:
        """Stop the server with an immediate shutdown and delete the directory.

        Sends SIGQUIT, then SIGKILL, to the postmaster when pg_ctl stop fails. Calling
        stop() again, or before start(), does nothing.
        """
        if self.directory is None:
            return
        directory, self.directory = self.directory, None
        data_directory = directory / "data"

        if (data_directory / "postmaster.pid").exists():
            logger.info("Stopping the PostgreSQL cluster in %s", directory)
            try:
                result = self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "stop",
                        "--pgdata",
                        str(data_directory),
                        "--mode",
                        "immediate",
                        "--wait",
                        "--timeout",
                        str(int(SHUTDOWN_TIMEOUT_SECONDS)),
                    ],
                    cwd=directory,
                    timeout=SHUTDOWN_TIMEOUT_SECONDS + 10,
                )
            except subprocess.TimeoutExpired:
                logger.warning("pg_ctl stop timed out in %s", directory)
                self._kill_postmaster(data_directory)
            else:
                if result.returncode != 0:
                    logger.warning(
                        "pg_ctl stop failed with exit code %d in %s: %s",
                        result.returncode,
                        directory,
                        result.stdout.strip(),
                    )
                    self._kill_postmaster(data_directory)

        _remove_tree(directory)

    def _find_user_prefix(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PostgresUnavailable(
                "running as root, and runuser is not on PATH to start initdb as "
                f"the {SYSTEM_USER!r} system user"
            )
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root, and the {SYSTEM_USER!r} system user that initdb needs "
                "does not exist: install the postgresql package or create the user"
            ) from None
        return [runuser, "-u", SYSTEM_USER, "--"]

    def _prepare_directory(self) -> None:
        assert self.directory is not None
        (self.directory / "socket").mkdir()
        if not self._user_prefix:
            return

        account = pwd.getpwnam(SYSTEM_USER)
        for path in (self.directory, self.directory / "socket"):
            os.chown(path, account.pw_uid, account.pw_gid)

        # A TMPDIR under /root, for example, is not reachable for the postgres user.
        check = self._run(["test", "-w", str(self.directory)], cwd=Path("/"), timeout=10)
        if check.returncode != 0:
            raise PostgresUnavailable(
                f"the {SYSTEM_USER!r} user cannot write to {self.directory}: "
                "set TMPDIR to a directory that it can reach, such as /tmp"
            )

    def _initdb(self) -> None:
        result = self._run(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data_directory),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ],
            timeout=INITDB_TIMEOUT_SECONDS,
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed with exit code {result.returncode}: {result.stdout.strip()}"
            )

    def _write_settings(self) -> None:
        assert self.directory is not None
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.directory / 'socket'}'",
            "max_connections": str(MAX_CONNECTIONS),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        lines = [f"{key} = {value}\n" for key, value in settings.items()]
        # Later lines in postgresql.conf override the defaults that initdb wrote above them.
        with (self.data_directory / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# Throwaway test cluster (tests/support/postgres.py)\n")
            conf.writelines(lines)

    def _start_server(self) -> None:
        last_output = ""
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self.port = _free_port()
            result = self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "start",
                    "--pgdata",
                    str(self.data_directory),
                    "--log",
                    str(self.log_file),
                    "--options",
                    f"-p {self.port}",
                    "--wait",
                    "--timeout",
                    str(int(STARTUP_TIMEOUT_SECONDS)),
                ],
                timeout=STARTUP_TIMEOUT_SECONDS + 10,
            )
            if result.returncode == 0:
                return

            last_output = result.stdout.strip()
            log_text = self._read_log()
            if "could not bind" not in log_text and "already in use" not in log_text:
                break
            logger.warning(
                "PostgreSQL could not bind port %d (attempt %d of %d), trying another port",
                self.port,
                attempt,
                PORT_ATTEMPTS,
            )

        raise PostgresUnavailable(
            f"pg_ctl start failed: {last_output}\nserver log:\n{self._read_log()}"
        )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        command = [
            str(self.bindir / "pg_isready"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--username",
            SUPERUSER,
            "--dbname",
            "postgres",
            "--timeout",
            "2",
        ]
        while True:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=10, check=False
            )
            if result.returncode == 0:
                return
            if time.monotonic() >= deadline:
                raise PostgresUnavailable(
                    f"PostgreSQL on 127.0.0.1:{self.port} was not ready after "
                    f"{STARTUP_TIMEOUT_SECONDS:.0f} s: {result.stdout.strip()}\n"
                    f"server log:\n{self._read_log()}"
                )
            time.sleep(0.2)

    def _create_test_database(self) -> None:
        result = subprocess.run(
            [
                str(self.bindir / "createdb"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--username",
                SUPERUSER,
                TEST_DATABASE,
            ],
            capture_output=True,
            text=True,
            timeout=CREATEDB_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"createdb {TEST_DATABASE} failed with exit code {result.returncode}: "
                f"{result.stderr.strip()}"
            )

    def _run(
        self,
        command: list[str],
        timeout: float,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        # The postgres user may not be allowed into the caller's working directory,
        # so commands run from the cluster directory. pg_ctl start redirects the
        # server's output to --log, so the pipes close when pg_ctl exits.
        return subprocess.run(
            [*self._user_prefix, *command],
            cwd=cwd or self.directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _read_log(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError as error:
            return f"(server log unreadable: {error})"

    def _kill_postmaster(self, data_directory: Path) -> None:
        try:
            pid = int((data_directory / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError) as error:
            logger.error("Cannot read the postmaster PID in %s: %s", data_directory, error)
            return

        # SIGQUIT is PostgreSQL's immediate shutdown. The postmaster then ends its children.
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            logger.warning("Sending %s to postmaster %d", sig.name, pid)
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            if _wait_for_exit(pid, timeout=10.0):
                return
        logger.error("Postmaster %d is still running after SIGKILL", pid)


def process_is_running(pid: int) -> bool:
    """Return whether the process exists and has not exited.

    A zombie counts as exited. The postmaster is not this process's child, so it stays
    a zombie until init reaps it.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        # No procfs, or the process ended since the kill() above.
        return Path(f"/proc/{pid}").exists()
    # The state letter follows the command name, which is in parentheses and may contain spaces.
    state = stat.rpartition(")")[2].split()[0]
    return state not in ("Z", "X")


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_is_running(pid):
            return True
        time.sleep(0.1)
    return False


def _remove_tree(directory: Path) -> None:
    errors: list[str] = []

    def record_error(function: Callable[..., object], path: str, error: object) -> None:
        errors.append(f"{path}: {error}")

    # Python 3.12 deprecates onerror in favour of onexc.
    if sys.version_info >= (3, 12):
        shutil.rmtree(directory, onexc=record_error)
    else:
        shutil.rmtree(directory, onerror=record_error)

    if errors:
        logger.error("Could not delete %d paths in %s: %s", len(errors), directory, errors[:5])
    else:
        logger.info("Deleted %s", directory)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"received signal {signal.Signals(signum).name}")


def _stop_on_sigterm() -> None:
    # Python's default SIGTERM action exits without running atexit handlers or pytest
    # finalizers, which would leave the cluster running. Raising KeyboardInterrupt lets
    # both run. A handler that the program installed itself stays in place.
    # NOTE: nothing stops the cluster when this process dies from SIGKILL.
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)


# Command line


def main(argv: list[str] | None = None) -> int:
    """Start a server, print its URL, and stop it on Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.postgres",
        description=(
            "Start a PostgreSQL server for tests or benchmarks, print its "
            "postgresql+asyncpg:// URL on standard output, and stop it on Ctrl-C or SIGTERM. "
            f"Uses {DATABASE_URL_ENV} when set, else a container, else a throwaway local cluster."
        ),
    )
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    server, reason = start_postgres()
    if server is None:
        print(f"error: {reason}", file=sys.stderr)
        return 1

    try:
        logger.info("Serving PostgreSQL from %s until Ctrl-C or SIGTERM", reason)
        print(server.url, flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        logger.info("Stopping on request")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
