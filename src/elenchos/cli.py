"""The `elenchos` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from elenchos.adapters.jwt.keys import KeyFileError
from elenchos.adapters.sqlalchemy import migrations
from elenchos.adapters.sqlalchemy.engine import create_engine
from elenchos.commands import docs, keys, openapi, users, worker
from elenchos.config import ConfigurationError, Settings
from elenchos.observability.logging import configure_logging

logger = logging.getLogger("elenchos.cli")


async def migrate_database(settings: Settings, revision: str = "head") -> None:
    if settings.database_url is None:
        # The data directory contains the database, signing keys and mail
        # with link tokens, so it is private to its owner.
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        await migrations.upgrade(engine, revision)
    finally:
        await engine.dispose()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    settings.check_production_ready()
    if not settings.is_production:
        asyncio.run(migrate_database(settings))
    uvicorn.run(
        "elenchos.http.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        log_level=settings.log_level.lower(),
        # None keeps the logging configured by main(); uvicorn would replace it.
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    if args.sql:
        migrations.print_sql(settings.resolved_database_url, args.revision)
        return 0
    asyncio.run(migrate_database(settings, args.revision))
    print(f"database migrated to {args.revision}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="elenchos", description="Authentication service for multi-tenant SaaS."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="Run the HTTP API under uvicorn.")
    serve.add_argument(
        "--host", default="127.0.0.1", help="Interface to bind (default: 127.0.0.1)."
    )
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000).")
    serve.add_argument("--workers", type=int, default=1, help="Worker processes (default: 1).")
    serve.add_argument(
        "--reload", action="store_true", help="Restart on code changes (development)."
    )
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="Upgrade the database schema.")
    migrate.add_argument("--revision", default="head", help="Target revision (default: head).")
    migrate.add_argument("--sql", action="store_true", help="Print the SQL instead of running it.")
    migrate.set_defaults(handler=_migrate)

    users.register(commands)
    keys.register(commands)
    openapi.register(commands)
    docs.register(commands)
    worker.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ELENCHOS_" + str(first["loc"][0]).upper() if first.get("loc") else "settings"
        print(f"elenchos: invalid setting {name}: {first['msg']}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.json_logs)
    try:
        result: int = args.handler(args, settings)
        return result
    except (ConfigurationError, KeyFileError) as exc:
        print(f"elenchos: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        print(
            f"elenchos: database error: {type(cause).__name__}: {str(cause).splitlines()[0]}; "
            "check ELENCHOS_DATABASE_URL and run 'elenchos migrate'",
            file=sys.stderr,
        )
        return 1
