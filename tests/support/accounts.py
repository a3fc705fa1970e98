"""Helpers that create signed-in accounts for HTTP tests."""

from __future__ import annotations

import uuid

import httpx

from elenchos.application.sessions import DEFAULT_SESSION_LIFETIME, open_session, session_tokens
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


async def sign_in_tokens(
    client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD, **extra: object
) -> dict[str, object]:
    """Sign in and return the whole token response, refresh token included."""
    response = await client.post(
        "/v1/auth/sign-in", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def session_token(container: Container, user_id: uuid.UUID) -> str:
    """Start a session for the user directly in the database; return its access token."""
    now = container.clock.now()
    async with container.uow() as uow:
        session, refresh_token = await open_session(uow, user_id, now, DEFAULT_SESSION_LIFETIME)
        await uow.commit()
    return session_tokens(container.tokens, session, refresh_token, None, now).access_token.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
