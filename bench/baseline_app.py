"""The bare FastAPI application of the baseline scenario: one JSON endpoint.

It has no authentication, no database and no middleware, so its rate is the
ceiling of FastAPI and uvicorn on the machine. The runner serves it with the
same uvicorn settings as Elenchos:

    uvicorn bench.baseline_app:create_app --factory
"""

from __future__ import annotations

from fastapi import FastAPI

# About the size of a GET /v1/me response, so both send similar bytes.
STATUS_DOCUMENT: dict[str, object] = {
    "id": "00000000-0000-4000-8000-000000000000",
    "email": "baseline@bench.example.com",
    "status": "active",
    "profile": {"display_name": "Baseline"},
    "settings": {},
    "email_verified_at": "2026-01-01T00:00:00Z",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


def create_app() -> FastAPI:
    app = FastAPI(title="Elenchos benchmark baseline", openapi_url=None, docs_url=None)

    @app.get("/")
    async def read_status() -> dict[str, object]:
        return STATUS_DOCUMENT

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
