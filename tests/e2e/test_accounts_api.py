"""Accounts over HTTP: sign-up, sign-in, /v1/me, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from elenchos.bootstrap import Container
from tests.support.accounts import DEFAULT_PASSWORD, bearer, sign_up, signed_up_token


async def test_sign_up_sign_in_and_read_me(client: httpx.AsyncClient, container: Container) -> None:
    token = await signed_up_token(client, container, "Ada@Example.com", display_name="Ada")

    response = await client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "Ada@example.com"
    assert body["profile"] == {"display_name": "Ada"}
    assert body["email_verified"] is True
    assert "password_hash" not in body
    assert "$argon2" not in response.text


async def test_sign_up_answer_same_for_taken_address(client: httpx.AsyncClient) -> None:
    first = await sign_up(client, "grace@example.com")

    second = await sign_up(client, "GRACE@example.com", "another password 123")

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()


async def test_unknown_email_and_wrong_password_look_alike(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_token(client, container, "linus@example.com")

    unknown = await client.post(
        "/v1/auth/sign-in", json={"email": "nobody@example.com", "password": DEFAULT_PASSWORD}
    )
    wrong = await client.post(
        "/v1/auth/sign-in", json={"email": "linus@example.com", "password": "not the password"}
    )

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["code"] == "invalid_credentials"
    assert unknown.headers["content-type"] == "application/problem+json"


async def test_concurrent_sign_ups_of_one_address(
    client: httpx.AsyncClient, container: Container
) -> None:
    import asyncio

    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/auth/sign-up",
                json={"email": f"{'RACE' if i % 2 else 'race'}@example.com",
                      "password": f"password number {i}"},
            )
            for i in range(8)
        )
    )

    assert [response.status_code for response in responses] == [202] * 8
    assert len({response.text for response in responses}) == 1
    async with container.uow() as uow:
        user = await uow.users.get_by_email("race@example.com")
    assert user is not None
