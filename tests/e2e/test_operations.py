"""Health, readiness, metrics and request ids."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from elenchos.bootstrap import Container, build
from elenchos.config import Settings
from elenchos.http.app import create_app
from tests.conftest import cheap_hasher, make_settings


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_on_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


ClientFactory = Callable[[Settings], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def client_for() -> AsyncIterator[ClientFactory]:
    """Build a client for any settings; closes what it built."""
    containers: list[Container] = []
    clients: list[httpx.AsyncClient] = []

    async def make(settings: Settings) -> httpx.AsyncClient:
        container = await build(settings, hasher=cheap_hasher())
        containers.append(container)
        transport = httpx.ASGITransport(app=create_app(container=container))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        return http

    yield make
    for http in clients:
        await http.aclose()
    for container in containers:
        await container.close()


async def test_readyz_on_unmigrated_database(tmp_path: Path, client_for: ClientFactory) -> None:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    client = await client_for(settings)

    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["code"] == "not_ready"
    assert "elenchos migrate" in response.json()["detail"]


async def test_readyz_with_unreachable_database(tmp_path: Path, client_for: ClientFactory) -> None:
    settings = make_settings(tmp_path, "postgresql+asyncpg://nobody:secret@127.0.0.1:9/none")
    client = await client_for(settings)

    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["detail"] == "The database is unreachable."
    assert "secret" not in response.text


async def test_request_id_generated_and_returned(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")

    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_request_id_honoured_when_safe(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "trace-42.a:b"})

    assert response.headers["x-request-id"] == "trace-42.a:b"


@pytest.mark.parametrize("unsafe", ["has space", "x" * 200, "line\\nbreak", "<script>"])
async def test_unsafe_request_id_replaced(client: httpx.AsyncClient, unsafe: str) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": unsafe})

    assert response.headers["x-request-id"] != unsafe
    assert len(response.headers["x-request-id"]) == 32


async def test_access_log_line_fields(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="elenchos.access")

    await client.get("/v1/me", headers={"X-Request-ID": "req-1"})

    (record,) = [r for r in caplog.records if r.name == "elenchos.access"]
    assert record.route == "/v1/me"  # type: ignore[attr-defined]
    assert record.status == 401  # type: ignore[attr-defined]
    assert "GET /v1/me 401" in record.getMessage()


async def test_problem_responses_carry_request_id(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/auth/sign-in", content=b"x" * 100_000)

    assert response.status_code == 413
    assert response.headers["x-request-id"]


async def test_metrics_disabled_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")

    assert response.status_code == 404


async def test_metrics_need_bearer_token(
    tmp_path: Path, database_url: str, client_for: ClientFactory
) -> None:
    settings = make_settings(
        tmp_path, database_url, metrics_enabled=True, metrics_bearer_token="scrape-secret"
    )
    client = await client_for(settings)
    await client.get("/healthz")

    anonymous = await client.get("/metrics")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    scraped = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})

    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'elenchos_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "elenchos_http_request_duration_seconds_bucket" in text
    assert "elenchos_outbox_pending_messages" in text
    assert "elenchos_sign_ins_total" in text
    assert "scrape-secret" not in text


async def test_sign_in_outcomes_counted(
    tmp_path: Path, database_url: str, client_for: ClientFactory
) -> None:
    settings = make_settings(tmp_path, database_url, metrics_enabled=True)
    client = await client_for(settings)

    await client.post(
        "/v1/auth/sign-in", json={"email": "nobody@example.com", "password": "wrong password"}
    )
    text = (await client.get("/metrics")).text

    assert 'elenchos_sign_ins_total{outcome="invalid_credentials"} 1.0' in text
