"""Migrations go up, down and up again, and agree with the table definitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.sqlalchemy import migrations
from elenchos.adapters.sqlalchemy.engine import create_engine
from elenchos.adapters.sqlalchemy.tables import metadata
from tests.support.postgres import PostgresServer, create_database, unique_database_name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await create_database(server.url, unique_database_name("elenchos_migrations"))
    engine = create_engine(url)
    yield engine
    await engine.dispose()


def schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_upgrade_downgrade_upgrade(fresh_engine: AsyncEngine) -> None:
    await migrations.upgrade(fresh_engine)
    assert await migrations.current_revision(fresh_engine) == migrations.head_revision()

    await migrations.downgrade(fresh_engine, "base")
    assert await migrations.current_revision(fresh_engine) is None

    await migrations.upgrade(fresh_engine)
    assert await migrations.current_revision(fresh_engine) == migrations.head_revision()


async def test_migrated_schema_matches_tables(fresh_engine: AsyncEngine) -> None:
    await migrations.upgrade(fresh_engine)

    async with fresh_engine.connect() as connection:
        differences = await connection.run_sync(schema_differences)

    assert differences == []


@pytest.mark.postgres
async def test_concurrent_upgrades_do_not_race(
    postgres_server: PostgresServer,
) -> None:
    import asyncio

    from elenchos.adapters.sqlalchemy.engine import create_engine as make_engine

    url = await create_database(postgres_server.url, unique_database_name("elenchos_race"))
    fresh_engine = make_engine(url)
    other = make_engine(url)
    try:
        await asyncio.gather(migrations.upgrade(fresh_engine), migrations.upgrade(other))
        assert await migrations.current_revision(fresh_engine) == migrations.head_revision()
    finally:
        await other.dispose()
        await fresh_engine.dispose()
