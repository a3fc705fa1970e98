"""Email verification, password reset, password change and sign-in mail over HTTP."""

from __future__ import annotations

import logging

import httpx
import pytest

from elenchos.bootstrap import Container
from tests.support.accounts import DEFAULT_PASSWORD, bearer, sign_in, sign_up, signed_up_token
from tests.support.mail import deliver, link_token, memory_mailer, only_mail_to

ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"mail_requests_per_ip": 4, "mail_requests_per_address": 3}


def without_request_id(headers: httpx.Headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "x-request-id"}


async def verification_token(client: httpx.AsyncClient, container: Container, email: str) -> str:
    await sign_up(client, email)
    return link_token((await only_mail_to(container, email)).text)


async def reset_token(client: httpx.AsyncClient, container: Container, email: str) -> str:
    response = await client.post("/v1/auth/password-reset", json={"email": email})
    assert response.status_code == 202
    return link_token((await only_mail_to(container, email)).text)


async def test_verification_unlocks_sign_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await verification_token(client, container, ADA)
    before = await client.post(
        "/v1/auth/sign-in", json={"email": ADA, "password": DEFAULT_PASSWORD}
    )

    verified = await client.post("/v1/auth/verify-email", json={"token": token})

    assert before.status_code == 403
    assert before.json()["code"] == "email_not_verified"
    assert verified.status_code == 204
    me = await client.get("/v1/me", headers=bearer(await sign_in(client, ADA)))
    assert me.json()["email_verified"] is True


async def test_verification_token_errors(client: httpx.AsyncClient, container: Container) -> None:
    token = await verification_token(client, container, ADA)
    await client.post("/v1/auth/verify-email", json={"token": token})

    reused = await client.post("/v1/auth/verify-email", json={"token": token})
    unknown = await client.post("/v1/auth/verify-email", json={"token": "forged"})
    oversized = await client.post("/v1/auth/verify-email", json={"token": "x" * 5000})

    assert reused.status_code == 410
    assert reused.json()["code"] == "link_token_used"
    assert reused.headers["content-type"] == "application/problem+json"
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "link_token_invalid"
    assert oversized.status_code == 422


async def test_resend_answers_alike(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_token(client, container, "verified@example.com")
    await sign_up(client, ADA)
    await deliver(container)

    answers = [
        await client.post("/v1/auth/verify-email/resend", json={"email": email})
        for email in (ADA, "verified@example.com", "nobody@example.com", "not an address")
    ]
    sent = await deliver(container)

    assert {response.status_code for response in answers} == {202}
    assert len({response.content for response in answers}) == 1
    assert [message.to for message in sent] == [ADA]


async def test_password_reset_over_http(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)
    token = await reset_token(client, container, ADA)

    confirmed = await client.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    old = await client.post("/v1/auth/sign-in", json={"email": ADA, "password": DEFAULT_PASSWORD})
    reused = await client.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )

    assert confirmed.status_code == 204
    assert "password was changed" in (await only_mail_to(container, ADA)).subject
    assert old.status_code == 401
    assert await sign_in(client, ADA, NEW_PASSWORD)
    assert reused.status_code == 410
    assert reused.json()["code"] == "link_token_used"


async def test_reset_rejects_weak_password(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)
    token = await reset_token(client, container, ADA)

    response = await client.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": ADA}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_password"


async def test_reset_request_answers_alike(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)

    known = await client.post("/v1/auth/password-reset", json={"email": ADA})
    unknown = await client.post("/v1/auth/password-reset", json={"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert [message.to for message in await deliver(container)] == [ADA]


async def test_reset_requests_limited_per_ip(client: httpx.AsyncClient) -> None:
    answers = [
        await client.post("/v1/auth/password-reset", json={"email": f"u{index}@example.com"})
        for index in range(5)
    ]

    assert [response.status_code for response in answers] == [202, 202, 202, 202, 429]
    limited = answers[-1]
    assert limited.json()["code"] == "rate_limited"
    assert 0 < int(limited.headers["retry-after"]) <= 3600


async def test_reset_requests_limited_per_address_silently(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)

    answers = [await client.post("/v1/auth/password-reset", json={"email": ADA}) for _ in range(4)]

    assert [response.status_code for response in answers] == [202, 202, 202, 202]
    assert len(await deliver(container)) == 3


async def test_change_password_over_http(client: httpx.AsyncClient, container: Container) -> None:
    token = await signed_up_token(client, container, ADA)
    await deliver(container)

    wrong = await client.post(
        "/v1/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    changed = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    anonymous = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert wrong.status_code == 403
    assert wrong.json()["code"] == "current_password_incorrect"
    assert changed.status_code == 204
    assert "password was changed" in (await only_mail_to(container, ADA)).subject
    assert anonymous.status_code == 401
    assert await sign_in(client, ADA, NEW_PASSWORD)


async def test_sign_in_notice_follows_setting(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, ADA)
    first_mails = await deliver(container)
    await client.patch(
        "/v1/me", json={"settings": {"notify_on_sign_in": False}}, headers=bearer(token)
    )

    await sign_in(client, ADA)

    assert [mail.subject for mail in first_mails] == [
        "Verify your email address for Elenchos",
        "New sign-in to your Elenchos account",
    ]
    assert await deliver(container) == []


async def test_sign_up_reveals_nothing_about_address(
    client: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    await signed_up_token(client, container, "taken@example.com")
    await deliver(container)
    # Every level of our own loggers; libraries at INFO, the default, since
    # aiosqlite's DEBUG lines echo statement parameters.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="elenchos")

    taken = await client.post(
        "/v1/auth/sign-up", json={"email": "taken@example.com", "password": DEFAULT_PASSWORD}
    )
    new = await client.post(
        "/v1/auth/sign-up", json={"email": "fresh@example.com", "password": DEFAULT_PASSWORD}
    )
    sent = await deliver(container)

    assert taken.status_code == new.status_code == 202
    assert taken.content == new.content
    assert without_request_id(taken.headers) == without_request_id(new.headers)
    for record in caplog.records:
        line = record.getMessage().casefold()
        assert "taken@example.com" not in line
        assert "fresh@example.com" not in line
        assert record.levelno < logging.WARNING
    assert sorted(message.to for message in sent) == ["fresh@example.com", "taken@example.com"]
    assert (
        memory_mailer(container)
        .sent_to("taken@example.com")[-1]
        .subject.startswith("Someone tried to sign up")
    )
