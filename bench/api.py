"""The HTTP calls the runner makes to prepare scenarios: accounts, tokens, pages.

These go through the public API of each server, so the data that the
scenarios read was made by the application's own code.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

import httpx

PASSWORD = "bench-password-2718"
EMAIL_DOMAIN = "bench.example.com"
PREPARATION_CONCURRENCY = 16

T = TypeVar("T")


class ApiError(Exception):
    """A request made to prepare a scenario did not get the expected status."""


def check(response: httpx.Response, *expected: int) -> httpx.Response:
    """Return response if its status is one of expected, else raise ApiError with its body."""
    if response.status_code not in expected:
        request = response.request
        raise ApiError(
            f"{request.method} {request.url.path} returned {response.status_code}, "
            f"expected {' or '.join(map(str, expected))}: {response.text[:500]}"
        )
    return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def emails(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{number:05d}@{EMAIL_DOMAIN}" for number in range(count)]


async def gather_bounded(
    calls: Iterable[Callable[[], Awaitable[T]]], limit: int = PREPARATION_CONCURRENCY
) -> list[T]:
    """Await the calls with at most limit running at once; results keep the calls' order."""
    slots = asyncio.Semaphore(limit)

    async def bounded(call: Callable[[], Awaitable[T]]) -> T:
        async with slots:
            return await call()

    return await asyncio.gather(*(bounded(call) for call in calls))


# Elenchos


async def openapi_paths(client: httpx.AsyncClient) -> dict[str, set[str]]:
    """Return each path of the server's OpenAPI document with its methods in upper case."""
    document = check(await client.get("/openapi.json"), 200).json()
    return {
        path: {method.upper() for method in operations}
        for path, operations in document.get("paths", {}).items()
    }


def find_path(paths: dict[str, set[str]], pattern: str, method: str) -> str | None:
    """Return the first path that matches pattern (a regular expression) and has method."""
    compiled = re.compile(pattern)
    for path, methods in sorted(paths.items()):
        if compiled.fullmatch(path) and method in methods:
            return path
    return None


async def sign_up(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    check(await client.post("/v1/auth/sign-up", json={"email": email, "password": password}), 202)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, Any]:
    """Return the token response of POST /v1/auth/sign-in."""
    response = await client.post("/v1/auth/sign-in", json={"email": email, "password": password})
    body: dict[str, Any] = check(response, 200).json()
    return body


async def sign_up_all(client: httpx.AsyncClient, addresses: Sequence[str]) -> None:
    await gather_bounded(partial(sign_up, client, email) for email in addresses)


async def sign_in_all(client: httpx.AsyncClient, addresses: Sequence[str]) -> list[str]:
    """Sign every address in and return their access tokens in the same order."""
    responses = await gather_bounded(partial(sign_in, client, email) for email in addresses)
    return [response["access_token"] for response in responses]


async def read_me(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    body: dict[str, Any] = check(await client.get("/v1/me", headers=bearer(token)), 200).json()
    return body


# The fastapi-users peer


async def register_peer_user(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> None:
    response = await client.post("/auth/register", json={"email": email, "password": password})
    check(response, 201)


async def peer_login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/auth/jwt/login", data={"username": email, "password": password})
    token: str = check(response, 200).json()["access_token"]
    return token
