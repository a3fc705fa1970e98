"""Helpers that create signed-in accounts for HTTP tests."""

from __future__ import annotations

import httpx

from elenchos.bootstrap import Container
from elenchos.domain.users import normalize_email

DEFAULT_PASSWORD = "correct horse battery staple"


async def verify_directly(container: Container, email: str) -> None:
    """Mark an account verified in the database, skipping the mail round trip."""
    async with container.uow() as uow:
        user = await uow.users.get_by_email(normalize_email(email))
        assert user is not None, f"no account for {email}"
        user.mark_verified(container.clock.now())
        await uow.users.update(user)
        await uow.commit()


async def sign_up(
    client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD, **extra: object
) -> httpx.Response:
    response = await client.post(
        "/v1/auth/sign-up", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 202, response.text
    return response


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD, **extra: object
) -> str:
    response = await client.post(
        "/v1/auth/sign-in", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def signed_up_token(
    client: httpx.AsyncClient,
    container: Container,
    email: str,
    password: str = DEFAULT_PASSWORD,
    display_name: str | None = None,
) -> str:
    """Sign up, verify and sign in; return the access token."""
    profile = {"display_name": display_name} if display_name else None
    await sign_up(client, email, password, profile=profile)
    await verify_directly(container, email)
    return await sign_in(client, email, password)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
