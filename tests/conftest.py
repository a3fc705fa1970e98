"""Shared fixtures: databases on SQLite and PostgreSQL, a wired container and an HTTP client.

Tests that take `database_url` (or anything built on it) run once per
backend. PostgreSQL comes from tests.support.postgres; without one those
runs skip, unless ELENCHOS_REQUIRE_POSTGRES=1 makes them fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.argon2 import Argon2PasswordHasher
from elenchos.adapters.jwt.keys import KeyRing, SigningKey, generate_private_key, thumbprint
from elenchos.adapters.sqlalchemy import migrations
from elenchos.adapters.sqlalchemy.engine import create_engine
from elenchos.adapters.sqlalchemy.tables import metadata
from elenchos.bootstrap import Container, build
from elenchos.config import Settings
from elenchos.http.app import create_app
from tests.support.postgres import (
    PostgresServer,
    create_database,
    skip_or_fail,
    start_postgres,
    unique_database_name,
)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server, reason = start_postgres()
    if server is None:
        skip_or_fail(reason)
    yield server
    server.stop()


async def _migrated(url: str) -> str:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def postgres_url(postgres_server: PostgresServer) -> str:
    """A migrated PostgreSQL database shared by the session; tests empty it first."""
    url = await create_database(postgres_server.url, unique_database_name())
    return await _migrated(url)


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database file shared by the session; tests empty it first."""
    path = tmp_path_factory.mktemp("sqlite") / "elenchos.sqlite3"
    return await _migrated(f"sqlite+aiosqlite:///{path}")


async def empty_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(sa.delete(table))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str:
    """The migrated database of one backend; a sync fixture, so it can look one up by name."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def database_url(backend_url: str) -> str:
    """The URL of an empty, migrated database, once per backend."""
    await empty_tables(backend_url)
    return backend_url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def signing_keys() -> KeyRing:
    private_key = generate_private_key("EdDSA")
    return KeyRing([SigningKey(kid=thumbprint(private_key.public_key()), algorithm="EdDSA",
                               private_key=private_key)])


def cheap_hasher() -> Argon2PasswordHasher:
    """Real argon2id with minimal cost, so HTTP tests stay fast but exercise the adapter."""
    return Argon2PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "mail_backend": "memory",
        "public_url": "http://testserver",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to change settings of the `container` fixture."""
    return {}


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, settings_overrides: dict[str, object]
) -> Settings:
    return make_settings(tmp_path / "data", database_url, **settings_overrides)


@pytest.fixture
async def container(settings: Settings, signing_keys: KeyRing) -> AsyncIterator[Container]:
    built = await build(settings, hasher=cheap_hasher(), keys=signing_keys)
    yield built
    await built.close()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


ALL_BACKENDS = ["memory", *BACKENDS]


@pytest.fixture(params=ALL_BACKENDS)
def any_backend_url(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(backend, url) for repository contract suites; memory has no URL."""
    if request.param == "memory":
        return "memory", None
    url: str = request.getfixturevalue(f"{request.param}_url")
    return request.param, url


@pytest.fixture
async def uow_factory(any_backend_url: tuple[str, str | None]) -> AsyncIterator[object]:
    """An empty unit-of-work factory, once for memory, SQLite and PostgreSQL."""
    from tests.support.backends import unit_of_work_factory

    backend, url = any_backend_url
    if url is not None:
        await empty_tables(url)
    async with unit_of_work_factory(backend, url) as factory:
        yield factory
