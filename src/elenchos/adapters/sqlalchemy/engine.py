"""Engine and session factory for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(database_url: str, **options: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets foreign keys, WAL and a busy timeout."""
    url = make_url(database_url)
    # Statement parameters include password hashes and outbox contexts with
    # link tokens; hidden, they stay out of error messages and logs.
    options.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        # aiosqlite logs every statement with its parameters at DEBUG, which
        # would put password hashes and link tokens in the log.
        logging.getLogger("aiosqlite").setLevel(max(logging.INFO, _level("aiosqlite")))
        # One file has one writer at a time, so the pool size setting is for PostgreSQL.
        options.pop("pool_size", None)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    # No pre-ping: it costs a round trip on every checkout, about half the
    # time of a primary-key read here. A connection broken by a database
    # restart fails one request and is then replaced; recycling bounds how
    # long an idle connection is kept.
    options.setdefault("pool_recycle", 1800)
    if "pool_size" in options:
        options.setdefault("max_overflow", 2 * options["pool_size"])
    return create_async_engine(url, **options)


def _level(name: str) -> int:
    return logging.getLogger(name).level


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is turned off so _begin_immediate can
    # start every transaction itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while one writer commits; the busy timeout makes
    # a second writer wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads and then writes cannot wait for the
    # write lock: SQLite fails it at once with "database is locked". Taking
    # the lock at BEGIN makes concurrent writers queue behind busy_timeout,
    # at the cost of one writer at a time, which an embedded database has anyway.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
