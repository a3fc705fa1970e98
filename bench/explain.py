"""Query plans of the organisation endpoints, taken from the SQL that Elenchos really sends.

The runner serves one request in process through the ASGI app, records every
statement that SQLAlchemy hands to asyncpg while it runs, and then runs
EXPLAIN (ANALYZE, BUFFERS) on each SELECT with the same parameters. The plans
therefore follow the code as it is, with no copy of its queries here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.api import bearer
from bench.organisations import asyncpg_dsn

logger = logging.getLogger(__name__)

SETTINGS_PREFIX = "ELENCHOS_"


@dataclass(frozen=True)
class PlannedRequest:
    label: str
    path: str
    params: Mapping[str, str | int]


async def capture_query_plans(
    environment: Mapping[str, str],
    token: str,
    requests: Sequence[PlannedRequest],
) -> list[dict[str, Any]]:
    """Serve each request in process and return the plans of the SELECTs it ran.

    environment contains the ELENCHOS_* settings of the servers. Each request is
    served once before it is recorded, so connection set-up queries and cold
    caches stay out of the plans.
    """
    # Imported here so that a broken checkout fails this step, not the whole runner.
    from elenchos.config import Settings
    from elenchos.http.app import create_app

    values = {
        name.removeprefix(SETTINGS_PREFIX).lower(): value
        for name, value in environment.items()
        if name.startswith(SETTINGS_PREFIX)
    }
    # model_validate() reads only these values, neither the process environment nor .env.
    settings = Settings.model_validate(values)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)

    plans = []
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://in-process") as client:
            for planned in requests:
                plans.append(
                    await _plan_request(client, settings.resolved_database_url, token, planned)
                )
    return plans


async def _plan_request(
    client: httpx.AsyncClient, database_url: str, token: str, planned: PlannedRequest
) -> dict[str, Any]:
    await client.get(planned.path, params=planned.params, headers=bearer(token))

    statements: list[tuple[str, Sequence[Any]]] = []

    def record(
        connection: Any,
        cursor: Any,
        statement: str,
        parameters: Sequence[Any],
        context: Any,
        executemany: bool,
    ) -> None:
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        response = await client.get(planned.path, params=planned.params, headers=bearer(token))
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    explained = []
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            rows = await connection.fetch(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, *(parameters or ())
            )
            plan = "\n".join(row[0] for row in rows)
            explained.append({"sql": statement.strip(), "plan": plan})
    finally:
        await connection.close()

    logger.info("Captured %d query plans of %s", len(explained), planned.label)
    return {
        "request": planned.label,
        "path": planned.path,
        "params": dict(planned.params),
        "status": response.status_code,
        "statements": explained,
    }
