"""Unit-of-work factories for the repository contract suites: memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from elenchos.adapters.memory import InMemoryUnitOfWorkFactory
from elenchos.adapters.sqlalchemy.engine import create_engine, create_session_factory
from elenchos.adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from elenchos.application.ports import UnitOfWorkFactory


@asynccontextmanager
async def unit_of_work_factory(
    backend: str, database_url: str | None
) -> AsyncIterator[UnitOfWorkFactory]:
    """Yield a factory for the backend; database_url is ignored for memory."""
    if backend == "memory":
        yield InMemoryUnitOfWorkFactory()
        return
    assert database_url is not None
    engine = create_engine(database_url)
    try:
        yield SqlUnitOfWorkFactory(create_session_factory(engine))
    finally:
        await engine.dispose()
