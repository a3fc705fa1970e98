"""The built-in pages that mail links open: forms, security headers and the flows behind them."""

from __future__ import annotations

import re

import httpx
import pytest

from elenchos.bootstrap import Container
from tests.support.accounts import DEFAULT_PASSWORD, sign_in, sign_up, signed_up_token
from tests.support.mail import deliver, link_token, only_mail_to

ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"mail_requests_per_ip": 2}


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy


async def test_verify_page_waits_for_button(
    client: httpx.AsyncClient, container: Container
) -> None:
    await sign_up(client, ADA)
    mail = await only_mail_to(container, ADA)
    link = re.search(r"http://testserver(/ui/verify-email\?token=\S+)", mail.text)
    assert link is not None

    page = await client.get(link.group(1))
    unverified = await client.post(
        "/v1/auth/sign-in", json={"email": ADA, "password": DEFAULT_PASSWORD}
    )

    assert page.status_code == 200
    assert_page_headers(page)
    assert f'value="{link_token(mail.text)}"' in page.text
    assert '<form method="post" action="/ui/verify-email">' in page.text
    assert "<script" not in page.text
    assert unverified.json()["code"] == "email_not_verified"


async def test_verify_form_verifies(client: httpx.AsyncClient, container: Container) -> None:
    await sign_up(client, ADA)
    token = link_token((await only_mail_to(container, ADA)).text)

    done = await client.post("/ui/verify-email", data={"token": token})
    again = await client.post("/ui/verify-email", data={"token": token})

    assert done.status_code == 200
    assert "Email address verified" in done.text
    assert_page_headers(done)
    assert again.status_code == 410
    assert "already used" in again.text
    assert 'href="/ui/verify-email"' in again.text
    assert await sign_in(client, ADA)


async def test_token_in_page_is_escaped(client: httpx.AsyncClient) -> None:
    page = await client.get("/ui/verify-email", params={"token": '"><script>x</script>'})

    assert "<script>" not in page.text
    assert "&#34;&gt;&lt;script&gt;" in page.text


async def test_reset_page_sets_password(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)
    await client.post("/v1/auth/password-reset", json={"email": ADA})
    token = link_token((await only_mail_to(container, ADA)).text)

    page = await client.get("/ui/reset-password", params={"token": token})
    done = await client.post(
        "/ui/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
    )

    assert page.status_code == 200
    assert_page_headers(page)
    assert 'name="new_password_repeat"' in page.text
    assert done.status_code == 200
    assert "Password changed" in done.text
    assert "password was changed" in (await only_mail_to(container, ADA)).subject
    assert await sign_in(client, ADA, NEW_PASSWORD)


async def test_reset_form_rejects_mismatch_and_weak_password(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)
    await client.post("/v1/auth/password-reset", json={"email": ADA})
    token = link_token((await only_mail_to(container, ADA)).text)

    mismatch = await client.post(
        "/ui/reset-password",
        data={"token": token, "new_password": NEW_PASSWORD, "new_password_repeat": "other"},
    )
    weak = await client.post(
        "/ui/reset-password",
        data={"token": token, "new_password": "short", "new_password_repeat": "short"},
    )
    forged = await client.post(
        "/ui/reset-password",
        data={"token": "forged", "new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
    )

    assert mismatch.status_code == 422
    assert "differ" in mismatch.text
    assert weak.status_code == 422
    assert "at least 8 characters" in weak.text
    assert forged.status_code == 400
    assert "not valid" in forged.text
    assert await sign_in(client, ADA)


async def test_request_pages_answer_alike(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)

    form = await client.get("/ui/reset-password")
    known = await client.post("/ui/reset-password/request", data={"email": ADA})
    unknown = await client.post("/ui/reset-password/request", data={"email": "no@example.com"})

    assert form.status_code == 200
    assert 'action="/ui/reset-password/request"' in form.text
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert [mail.to for mail in await deliver(container)] == [ADA]


async def test_request_page_shows_rate_limit(client: httpx.AsyncClient) -> None:
    for index in range(2):
        await client.post("/ui/verify-email/request", data={"email": f"u{index}@example.com"})

    limited = await client.post("/ui/verify-email/request", data={"email": "u9@example.com"})

    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert 'action="/ui/verify-email/request"' in limited.text


async def test_verify_page_without_token_offers_new_link(client: httpx.AsyncClient) -> None:
    page = await client.get("/ui/verify-email")

    assert page.status_code == 200
    assert 'action="/ui/verify-email/request"' in page.text


async def test_stylesheet_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/ui/style.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
