"""The API documents itself: Swagger UI, tags, examples and operation ids."""

from __future__ import annotations

import httpx


async def test_docs_page_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert "swagger" in response.text.lower()


async def test_openapi_has_tags_examples_and_ids(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    operations = [
        operation
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert operations
    assert all(operation.get("operationId") for operation in operations)
    assert all(operation.get("tags") for operation in operations)
    assert all(operation.get("summary") for operation in operations)
    sign_up_schema = document["components"]["schemas"]["SignUpRequest"]
    assert sign_up_schema["examples"][0]["email"] == "ada@example.com"
    assert "OAuth2PasswordBearer" in document["components"]["securitySchemes"]


async def test_jwks_served_with_cache_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    assert response.json()["keys"][0]["kty"] == "OKP"
