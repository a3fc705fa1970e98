"""Tests for tests/support/postgres.py, the PostgreSQL server that integration tests use."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.support.postgres import (
    DATABASE_URL_ENV,
    MAX_CONNECTIONS,
    TEST_DATABASE,
    LocalCluster,
    PostgresServer,
    PostgresUnavailable,
    create_database,
    drop_database,
    find_server_bindir,
    normalize_database_url,
    process_is_running,
    skip_or_fail,
    start_postgres,
    unique_database_name,
)

pytestmark = pytest.mark.postgres

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


# Its own server, separate from the session server in conftest.py, so that these tests
# check start_postgres() itself.
@pytest.fixture(scope="module")
def module_server() -> Iterator[PostgresServer]:
    server, reason = start_postgres()
    if server is None:
        skip_or_fail(reason)
    try:
        yield server
    finally:
        server.stop()


async def fetch_value(url: str, statement: str) -> object:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(statement))).scalar_one()
    finally:
        await engine.dispose()


def require_local_binaries() -> Path:
    bindir, detail = find_server_bindir()
    if bindir is not None:
        return bindir
    if os.environ.get(DATABASE_URL_ENV):
        pytest.skip(f"{DATABASE_URL_ENV} is set and {detail}")
    skip_or_fail(detail)


def port_accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


# Without a server


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "postgresql://user:secret@db.example:5432/app",
            "postgresql+asyncpg://user:secret@db.example:5432/app",
        ),
        ("postgres://user@localhost/app", "postgresql+asyncpg://user@localhost/app"),
        (
            "postgresql+psycopg2://user@localhost/app",
            "postgresql+asyncpg://user@localhost/app",
        ),
        (
            "postgresql+asyncpg://user@localhost/app",
            "postgresql+asyncpg://user@localhost/app",
        ),
        (
            "  postgresql://user@localhost/app?sslmode=require ",
            "postgresql+asyncpg://user@localhost/app?ssl=require",
        ),
    ],
)
def test_normalize_database_url(raw: str, expected: str) -> None:
    assert normalize_database_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["sqlite+aiosqlite:///elenchos.db", "mysql://user@localhost/app", "not a url"],
)
def test_normalize_database_url_rejects_other_databases(raw: str) -> None:
    with pytest.raises(ValueError, match=r"PostgreSQL|invalid database URL"):
        normalize_database_url(raw)


def test_normalize_database_url_hides_password_on_error() -> None:
    with pytest.raises(ValueError) as error:
        normalize_database_url("postgresql://user:hunter2@host:notaport/db")
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize(
    "name",
    ["", "Upper", "1leading_digit", 'quote"name', "semi;colon", "a" * 64],
)
async def test_create_database_rejects_invalid_name(name: str) -> None:
    with pytest.raises(ValueError, match="invalid database name"):
        await create_database("postgresql+asyncpg://postgres@127.0.0.1:1/postgres", name)


async def test_drop_database_rejects_connected_database() -> None:
    with pytest.raises(ValueError, match="cannot drop"):
        await drop_database("postgresql+asyncpg://postgres@127.0.0.1:1/victim", "victim")


def test_environment_url_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://user:secret@127.0.0.1:5999/app")

    server, reason = start_postgres()

    assert server is not None, reason
    assert server.source == "environment"
    assert server.url == "postgresql+asyncpg://user:secret@127.0.0.1:5999/app"
    assert "secret" not in repr(server)
    server.stop()


def test_environment_url_invalid_returns_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:///elenchos.db")

    server, reason = start_postgres()

    assert server is None
    assert DATABASE_URL_ENV in reason
    assert "PostgreSQL" in reason


def test_unique_database_name_is_valid_and_unique() -> None:
    first = unique_database_name()
    second = unique_database_name()

    assert first != second
    assert first.startswith("elenchos_test_")
    assert len(first) <= 63


# With a server


async def test_server_answers_select(module_server: PostgresServer) -> None:
    assert module_server.url.startswith("postgresql+asyncpg://")
    assert await fetch_value(module_server.url, "SELECT 1") == 1


async def test_created_databases_are_separate(module_server: PostgresServer) -> None:
    admin_url = module_server.url
    first_name = unique_database_name()
    second_name = unique_database_name()

    first_url = await create_database(admin_url, first_name)
    second_url = await create_database(admin_url, second_name)
    try:
        assert make_url(first_url).database == first_name
        assert make_url(second_url).database == second_name
        assert await fetch_value(first_url, "SELECT 1") == 1
        assert await fetch_value(first_url, "SELECT current_database()") == first_name
        assert await fetch_value(second_url, "SELECT current_database()") == second_name

        first_engine = create_async_engine(first_url, poolclass=NullPool)
        try:
            async with first_engine.begin() as connection:
                await connection.execute(text("CREATE TABLE marker (id integer PRIMARY KEY)"))
                await connection.execute(text("INSERT INTO marker VALUES (1)"))
        finally:
            await first_engine.dispose()

        assert await fetch_value(first_url, "SELECT count(*) FROM marker") == 1
        assert await fetch_value(second_url, "SELECT to_regclass('marker') IS NULL") is True
    finally:
        await drop_database(admin_url, first_name)
        await drop_database(admin_url, second_name)

    remaining = await fetch_value(
        admin_url,
        f"SELECT count(*) FROM pg_database WHERE datname IN ('{first_name}', '{second_name}')",
    )
    assert remaining == 0


async def test_drop_database_ends_open_sessions(module_server: PostgresServer) -> None:
    name = unique_database_name()
    url = await create_database(module_server.url, name)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        # The pool now keeps an idle session open on the database.
        await drop_database(module_server.url, name)
    finally:
        await engine.dispose()

    exists = await fetch_value(
        module_server.url, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"
    )
    assert exists == 0


async def test_drop_database_missing_is_noop(module_server: PostgresServer) -> None:
    await drop_database(module_server.url, unique_database_name())


async def test_create_database_existing_fails(module_server: PostgresServer) -> None:
    name = unique_database_name()
    await create_database(module_server.url, name)
    try:
        with pytest.raises(DBAPIError, match="already exists"):
            await create_database(module_server.url, name)
    finally:
        await drop_database(module_server.url, name)


async def test_started_server_settings(module_server: PostgresServer) -> None:
    if module_server.source == "environment":
        pytest.skip(f"the server from {DATABASE_URL_ENV} keeps its own settings")

    assert make_url(module_server.url).database == TEST_DATABASE
    max_connections = await fetch_value(module_server.url, "SHOW max_connections")
    assert int(str(max_connections)) >= MAX_CONNECTIONS
    assert await fetch_value(module_server.url, "SHOW fsync") == "off"


# Local cluster life cycle


async def test_local_cluster_stop_removes_everything() -> None:
    bindir = require_local_binaries()
    cluster = LocalCluster(bindir)
    url = cluster.start()
    directory = cluster.directory
    port = cluster.port
    assert directory is not None
    assert port is not None
    try:
        pid = int((directory / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        assert await fetch_value(url, "SELECT current_database()") == TEST_DATABASE
        assert await fetch_value(url, "SHOW listen_addresses") == "127.0.0.1"
        assert await fetch_value(url, "SHOW unix_socket_directories") == str(directory / "socket")
    finally:
        cluster.stop()

    assert not directory.exists()
    assert not port_accepts_connections(port)
    assert not process_is_running(pid)
    cluster.stop()


def test_local_cluster_failed_start_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # As root the fake initdb runs as the postgres user, which must be able to reach it.
    with tempfile.TemporaryDirectory(prefix="elenchos-fake-bin-") as fake_bindir_name:
        fake_bindir = Path(fake_bindir_name)
        fake_bindir.chmod(0o755)
        for name in ("initdb", "pg_ctl", "postgres"):
            script = fake_bindir / name
            script.write_text("#!/bin/sh\necho 'simulated failure' >&2\nexit 3\n")
            script.chmod(0o755)

        created: list[Path] = []
        real_mkdtemp = tempfile.mkdtemp

        def recording_mkdtemp(*args: str | None, **kwargs: str | None) -> str:
            path = real_mkdtemp(*args, **kwargs)
            created.append(Path(path))
            return path

        cluster = LocalCluster(fake_bindir)
        with monkeypatch.context() as patch:
            patch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
            with pytest.raises(PostgresUnavailable, match="initdb failed with exit code 3"):
                cluster.start()

    assert cluster.directory is None
    assert len(created) == 1
    assert not created[0].exists()


def test_command_line_stops_on_sigterm() -> None:
    require_local_binaries()
    if os.environ.get(DATABASE_URL_ENV):
        pytest.skip(f"{DATABASE_URL_ENV} is set, so the command starts no server of its own")

    command = [sys.executable, "-m", "tests.support.postgres"]
    with subprocess.Popen(
        command,
        cwd=REPOSITORY_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        url_line = ""
        while not url_line and time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([process.stdout], [], [], 1.0)
            if ready:
                url_line = process.stdout.readline().strip()
        if not url_line:
            process.kill()
            _, stderr = process.communicate(timeout=30)
            pytest.fail(f"no URL within 90 s, stderr:\n{stderr}")

        port = make_url(url_line).port
        assert port is not None
        assert port_accepts_connections(port)

        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)

    assert process.returncode == 0, stderr
    assert "Deleted" in stderr
    assert not port_accepts_connections(port)
