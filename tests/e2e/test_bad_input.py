"""Nasty input gets a 4xx problem+json response, never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from elenchos.adapters.jwt.keys import generate_private_key, thumbprint
from elenchos.bootstrap import Container
from tests.support.accounts import bearer, signed_up_token

JSON = {"content-type": "application/json"}


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["detail"]
    assert body["type"].endswith(code)


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{bad", 400, "malformed_json"),
        (b'{"email": "a@example.com", "password": ', 400, "malformed_json"),
        (b"\xff\xfe\xfa", 400, "malformed_json"),
        (b"[" * 5000 + b"]" * 5000, 400, "malformed_json"),
        (b"[]", 422, "validation_failed"),
        (b"null", 422, "validation_failed"),
        (b'{"email": 123, "password": ["x"]}', 422, "validation_failed"),
        (b'{"email": "a@example.com"}', 422, "validation_failed"),
        (b"", 422, "validation_failed"),
    ],
    ids=[
        "truncated",
        "cut mid-value",
        "not utf-8",
        "deep nesting",
        "array",
        "null",
        "wrong types",
        "missing field",
        "empty",
    ],
)
async def test_sign_in_malformed_body(
    client: httpx.AsyncClient, content: bytes, status: int, code: str
) -> None:
    response = await client.post("/v1/auth/sign-in", content=content, headers=JSON)

    assert_problem(response, status, code)


async def test_validation_errors_do_not_echo_input(client: httpx.AsyncClient) -> None:
    secret = "hunter2-secret-value"

    response = await client.post(
        "/v1/auth/sign-up", json={"email": "not-an-email", "password": secret, "admin": True}
    )

    assert_problem(response, 422, "validation_failed")
    assert secret not in response.text
    assert {tuple(error["loc"]) for error in response.json()["errors"]} >= {
        ("body", "email"),
        ("body", "admin"),
    }


async def test_wrong_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-in", content=b"email=a&password=b", headers={"content-type": "text/plain"}
    )

    assert_problem(response, 415, "unsupported_media_type")


async def test_oversized_body(client: httpx.AsyncClient) -> None:
    body = json.dumps({"email": "a@example.com", "password": "x" * 200_000}).encode()

    response = await client.post("/v1/auth/sign-in", content=body, headers=JSON)

    assert_problem(response, 413, "payload_too_large")


async def test_oversized_body_without_content_length(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    response = await client.post("/v1/auth/sign-in", content=chunks(), headers=JSON)

    assert_problem(response, 413, "payload_too_large")


async def test_long_password_within_body_limit(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-up", json={"email": "a@example.com", "password": "x" * 20_000}
    )

    assert_problem(response, 422, "validation_failed")


async def test_password_over_policy_limit(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-up", json={"email": "a@example.com", "password": "x" * 1025}
    )

    assert_problem(response, 422, "invalid_password")


@pytest.mark.parametrize(
    "email",
    ["", "x" * 320, "a\x00b@example.com", "ünïcödé@例え.jp", "<script>@example.com", "a@b"],
)
async def test_sign_in_odd_emails_are_invalid_credentials(
    client: httpx.AsyncClient, email: str
) -> None:
    response = await client.post(
        "/v1/auth/sign-in", json={"email": email, "password": "whatever password"}
    )

    assert_problem(response, 401, "invalid_credentials")


async def test_profile_with_huge_display_name(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-up",
        json={
            "email": "a@example.com",
            "password": "long enough password",
            "profile": {"display_name": "x" * 5000},
        },
    )

    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize("field", ["email", "status", "password", "password_hash", "id"])
async def test_patch_me_rejects_mass_assignment(
    client: httpx.AsyncClient, container: Container, field: str
) -> None:
    token = await signed_up_token(client, container, "ada@example.com")

    response = await client.patch("/v1/me", json={field: "x@example.com"}, headers=bearer(token))
    me = await client.get("/v1/me", headers=bearer(token))

    assert_problem(response, 422, "validation_failed")
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["status"] == "active"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(container: Container, case: str, user_id: str) -> str:
    key = container.keys.signing_key
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": container.settings.resolved_issuer,
        "aud": container.settings.jwt_audience,
        "sub": user_id,
        "iat": now,
        "exp": now + 600,
        "jti": "forged",
    }
    if case == "alg none":
        header = _b64(json.dumps({"alg": "none", "kid": key.kid}).encode())
        return header + "." + _b64(json.dumps(claims).encode()) + "."
    if case == "wrong key":
        other = generate_private_key("EdDSA")
        return jwt.encode(claims, other, "EdDSA", headers={"kid": key.kid})
    if case == "unknown kid":
        other = generate_private_key("EdDSA")
        return jwt.encode(claims, other, "EdDSA", headers={"kid": thumbprint(other.public_key())})
    if case == "expired":
        claims["exp"] = now - 60
    if case == "wrong audience":
        claims["aud"] = "another-service"
    if case == "unknown subject":
        claims["sub"] = str(uuid.uuid4())
    return jwt.encode(claims, key.private_key, key.algorithm, headers={"kid": key.kid})


@pytest.mark.parametrize(
    "case", ["alg none", "wrong key", "unknown kid", "expired", "wrong audience", "unknown subject"]
)
async def test_forged_tokens_rejected_on_me(
    client: httpx.AsyncClient, container: Container, case: str
) -> None:
    await signed_up_token(client, container, "ada@example.com")
    me = await client.post(
        "/v1/auth/sign-in",
        json={"email": "ada@example.com", "password": "correct horse battery staple"},
    )
    user_id = jwt.decode(me.json()["access_token"], options={"verify_signature": False})["sub"]

    response = await client.get("/v1/me", headers=bearer(forged(container, case, user_id)))

    assert_problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic YTpi", "Bearer a.b.c", "Bearer " + "x" * 9000],
)
async def test_garbage_authorization_header(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.get("/v1/me", headers={"authorization": authorization})

    assert_problem(response, 401, "invalid_token")


async def test_non_ascii_authorization_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me", headers={"authorization": b"Bearer \xe9\xff"})

    assert_problem(response, 401, "invalid_token")


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/nothing-here")
    wrong_method = await client.delete("/v1/auth/sign-in")

    assert_problem(missing, 404, "not_found")
    assert_problem(wrong_method, 405, "method_not_allowed")


UNSTORABLE_TEXT = [
    pytest.param('"\\ud800"', id="lone surrogate"),
    pytest.param('"x\\u0000y"', id="nul"),
]


@pytest.mark.parametrize("text", UNSTORABLE_TEXT)
async def test_unstorable_text_in_sign_up_profile(client: httpx.AsyncClient, text: str) -> None:
    body = (
        '{"email": "sur@example.com", "password": "a perfectly fine passphrase", '
        f'"profile": {{"display_name": {text}, "nested": {{{text}: [{text}]}}}}}}'
    )

    response = await client.post("/v1/auth/sign-up", content=body.encode(), headers=JSON)

    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize("text", UNSTORABLE_TEXT)
async def test_unstorable_text_in_settings_and_org_settings(
    client: httpx.AsyncClient, container: Container, text: str
) -> None:
    token = await signed_up_token(client, container, "ada@example.com")
    organisation = await client.post(
        "/v1/organisations", json={"name": "Acme"}, headers=bearer(token)
    )
    headers = {**JSON, **bearer(token)}

    me = await client.patch(
        "/v1/me", content=f'{{"settings": {{"k": {text}}}}}'.encode(), headers=headers
    )
    created = await client.post(
        "/v1/organisations",
        content=f'{{"name": "Other", "settings": {{"k": {text}}}}}'.encode(),
        headers=headers,
    )
    updated = await client.patch(
        f"/v1/organisations/{organisation.json()['id']}",
        content=f'{{"settings": {{{text}: 1}}}}'.encode(),
        headers=headers,
    )

    assert_problem(me, 422, "validation_failed")
    assert_problem(created, 422, "validation_failed")
    assert_problem(updated, 422, "validation_failed")


async def test_nul_in_member_search(client: httpx.AsyncClient, container: Container) -> None:
    token = await signed_up_token(client, container, "ada@example.com")
    organisation = await client.post(
        "/v1/organisations", json={"name": "Acme"}, headers=bearer(token)
    )

    response = await client.get(
        f"/v1/organisations/{organisation.json()['id']}/members",
        params={"q": "a\x00b"},
        headers=bearer(token),
    )

    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize(
    "name", ["Mal\r\nBcc: evil@example.com", "Ev\u202eil", "zero\u200bwidth", "bell\x07"]
)
async def test_display_name_rejects_control_characters(
    client: httpx.AsyncClient, container: Container, name: str
) -> None:
    token = await signed_up_token(client, container, "ada@example.com")

    response = await client.patch(
        "/v1/me", json={"profile": {"display_name": name}}, headers=bearer(token)
    )

    assert_problem(response, 422, "validation_failed")


async def test_overlong_local_part_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/sign-up",
        json={"email": "a" * 65 + "@example.com", "password": "a perfectly fine passphrase"},
    )

    assert response.status_code == 422
    assert response.json()["code"] in ("invalid_email", "validation_failed")


async def test_huge_header_block_rejected(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Big": "a" * 40_000})

    assert_problem(response, 431, "headers_too_large")


async def test_unhandled_error_logged_once(
    client: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    token = await signed_up_token(client, container, "ada@example.com")

    async def broken(user_id: uuid.UUID) -> None:
        raise RuntimeError("boom")

    container.use_cases.get_current_user = broken  # type: ignore[assignment]
    caplog.clear()

    response = await client.get("/v1/me", headers={**bearer(token), "X-Request-ID": "req-500"})

    assert_problem(response, 500, "internal_error")
    assert response.headers["x-request-id"] == "req-500"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "GET /v1/me" in errors[0].getMessage()
    assert "boom" not in response.text


async def test_database_data_error_is_422(
    client: httpx.AsyncClient, container: Container
) -> None:
    from sqlalchemy.exc import DataError

    token = await signed_up_token(client, container, "ada@example.com")

    async def unstorable(user_id: uuid.UUID) -> None:
        raise DataError("SELECT 1", {}, ValueError("invalid byte sequence"))

    container.use_cases.get_current_user = unstorable  # type: ignore[assignment]

    response = await client.get("/v1/me", headers=bearer(token))

    assert_problem(response, 422, "validation_failed")
    assert "invalid byte sequence" not in response.text
