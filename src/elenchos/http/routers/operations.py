"""Liveness, readiness and metrics for operators and orchestrators."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from elenchos.adapters.sqlalchemy import migrations
from elenchos.http.dependencies import ContainerDep
from elenchos.http.problems import http_problem, problem_response

logger = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz", summary="Process liveness", operation_id="healthz")
async def healthz() -> dict[str, str]:
    """Return 200 while the process serves requests; nothing else is checked."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database reachable and migrated",
    description="503 with a reason while the database is unreachable or behind the code.",
    operation_id="readyz",
    responses={503: {"description": "Not ready; the problem's detail says why."}},
)
async def readyz(container: ContainerDep) -> JSONResponse:
    if container.engine is None:
        return JSONResponse({"status": "ready", "database": "in-memory"})
    expected = migrations.head_revision()
    try:
        current = await migrations.current_revision(container.engine)
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("readiness check failed: database unreachable: %s", type(exc).__name__)
        return http_problem("not_ready", "The database is unreachable.")
    if current != expected:
        return http_problem(
            "not_ready",
            f"The database schema is at {current or 'no revision'}, the code needs {expected}; "
            "run 'elenchos migrate'.",
        )
    return JSONResponse({"status": "ready", "database": "ok", "revision": current})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Off unless ELENCHOS_METRICS_ENABLED; needs a bearer token when one is set.",
    operation_id="metrics",
    include_in_schema=False,
)
async def metrics(
    container: ContainerDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    settings = container.settings
    if not settings.metrics_enabled:
        return problem_response(404, "not_found", "Not found", "Metrics are disabled.")
    if settings.metrics_bearer_token is not None:
        expected = f"Bearer {settings.metrics_bearer_token.get_secret_value()}"
        if not hmac.compare_digest((authorization or "").encode(), expected.encode()):
            return problem_response(
                401,
                "unauthenticated",
                "Authentication failed",
                "Metrics need the configured bearer token.",
                {"WWW-Authenticate": "Bearer"},
            )
    await container.refresh_gauges()
    return Response(container.metrics.render(), media_type=PROMETHEUS_CONTENT_TYPE)
