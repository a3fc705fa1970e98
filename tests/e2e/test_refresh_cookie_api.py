"""Cookie mode: the refresh token travels only in an HttpOnly cookie, guarded by Origin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from elenchos.bootstrap import Container
from elenchos.http.app import create_app
from elenchos.http.session_cookie import REFRESH_COOKIE
from tests.support.accounts import DEFAULT_PASSWORD, bearer, sign_up, verify_directly

ADA = "ada@example.com"
APP_ORIGIN = "https://app.example"
ALLOWED = {"Origin": APP_ORIGIN}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"refresh_cookie": True, "cors_origins": [APP_ORIGIN]}


@pytest.fixture
async def browser(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client on https, so it keeps and sends Secure cookies like a browser."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http


async def signed_in(browser: httpx.AsyncClient, container: Container) -> httpx.Response:
    await sign_up(browser, ADA)
    await verify_directly(container, ADA)
    response = await browser.post(
        "/v1/auth/sign-in", json={"email": ADA, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response


def set_cookie_header(response: httpx.Response) -> str:
    headers = response.headers.get_list("set-cookie")
    matching = [value for value in headers if value.startswith(f"{REFRESH_COOKIE}=")]
    assert len(matching) == 1, headers
    return matching[0]


async def test_sign_in_sets_cookie_not_body(
    browser: httpx.AsyncClient, container: Container
) -> None:
    response = await signed_in(browser, container)

    assert "refresh_token" not in response.json()
    assert response.json()["refresh_expires_in"] > 0
    cookie = set_cookie_header(response).lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=strict" in cookie
    assert "path=/v1/auth" in cookie


async def test_refresh_reads_cookie_and_rotates_it(
    browser: httpx.AsyncClient, container: Container
) -> None:
    signed = await signed_in(browser, container)
    first_cookie = browser.cookies.get(REFRESH_COOKIE)

    response = await browser.post("/v1/auth/refresh", headers=ALLOWED)

    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()
    assert browser.cookies.get(REFRESH_COOKIE) not in (None, first_cookie)
    me = await browser.get("/v1/me", headers=bearer(response.json()["access_token"]))
    assert me.status_code == 200
    assert signed.json()["access_token"] != response.json()["access_token"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example"}, {"Origin": "null"}],
    ids=["missing", "unlisted", "null"],
)
async def test_refresh_rejects_other_origins(
    browser: httpx.AsyncClient, container: Container, headers: dict[str, str]
) -> None:
    await signed_in(browser, container)

    response = await browser.post("/v1/auth/refresh", headers=headers)

    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"


async def test_refresh_ignores_token_in_body(
    browser: httpx.AsyncClient, container: Container
) -> None:
    await signed_in(browser, container)
    browser.cookies.clear()

    response = await browser.post(
        "/v1/auth/refresh", json={"refresh_token": "A" * 43}, headers=ALLOWED
    )

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_invalid"


async def test_sign_out_with_cookie_checks_origin_and_clears(
    browser: httpx.AsyncClient, container: Container
) -> None:
    signed = await signed_in(browser, container)
    headers = bearer(signed.json()["access_token"])

    rejected = await browser.post("/v1/auth/sign-out", headers={"Origin": "https://evil.example"})
    response = await browser.post("/v1/auth/sign-out", headers=ALLOWED)

    assert rejected.status_code == 403
    assert response.status_code == 204
    assert 'max-age=0' in set_cookie_header(response).lower()
    assert browser.cookies.get(REFRESH_COOKIE) is None
    assert (await browser.get("/v1/me", headers=headers)).status_code == 401
