"""Public discovery documents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from elenchos.http.dependencies import ContainerDep

router = APIRouter(tags=["keys"])

# Verifiers may cache the key set this long.
# NOTE: a key added by `elenchos keys rotate` signs as soon as a server
# restarts, so a verifier whose cached set predates it rejects the new tokens
# for up to this long; docs/operations.md gives the rotation procedure.
JWKS_MAX_AGE_SECONDS = 300


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys that verify access tokens",
    operation_id="getJwks",
)
async def jwks(container: ContainerDep, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return container.keys.jwks()
