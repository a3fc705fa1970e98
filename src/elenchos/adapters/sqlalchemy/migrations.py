"""Run the Alembic migrations from code, inside the caller's event loop."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.resources import resource_dir

logger = logging.getLogger(__name__)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    # Percent signs in a URL's password would otherwise be read as interpolation.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


# Key of the PostgreSQL advisory lock held while migrating: any constant
# shared by every replica works; this one spells "elenchos" in ASCII.
MIGRATION_LOCK_KEY = 0x656C656E63686F73


def _lock_against_other_migrations(connection: Connection) -> None:
    # Replicas that start together and each migrate would otherwise race to
    # create the same tables; the second now waits and then finds nothing to do.
    # SQLite needs no lock because BEGIN IMMEDIATE already serializes writers.
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database up to a revision; concurrent callers run one after another."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        _lock_against_other_migrations(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    logger.info("database migrated to %s", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Migrate the database down to a revision."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    logger.info("database migrated down to %s", revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def print_sql(database_url: str, revision: str = "head") -> None:
    """Print the SQL of an upgrade without touching a database (Alembic's offline mode)."""
    command.upgrade(alembic_config(database_url), revision, sql=True)
