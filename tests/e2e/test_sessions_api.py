"""Refresh, sign-out and session management over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.memory import FixedClock
from elenchos.application.audit_ports import SecurityEventQuery
from elenchos.bootstrap import Container, build
from elenchos.domain.audit import SecurityEventType
from elenchos.http.app import create_app
from tests.conftest import cheap_hasher, make_settings
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    bearer,
    sign_in_tokens,
    sign_up,
    signed_up_token,
    verify_directly,
)

ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase"


async def signed_up_tokens(
    client: httpx.AsyncClient, container: Container, email: str = ADA
) -> dict[str, object]:
    await sign_up(client, email)
    await verify_directly(container, email)
    return await sign_in_tokens(client, email)


async def refresh(client: httpx.AsyncClient, token: object, **extra: object) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token, **extra})


async def test_sign_in_returns_refresh_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)

    assert isinstance(tokens["refresh_token"], str)
    assert len(tokens["refresh_token"]) == 43
    assert tokens["refresh_expires_in"] == container.settings.session_idle_ttl_seconds
    assert tokens["token_type"] == "bearer"


async def test_password_form_returns_refresh_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_tokens(client, container)

    response = await client.post(
        "/v1/auth/token", data={"username": ADA, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"]


async def test_refresh_rotates_and_old_token_then_fails(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)

    rotated = await refresh(client, tokens["refresh_token"])

    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    me = await client.get("/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    again = await refresh(client, body["refresh_token"])
    assert again.status_code == 200


async def test_replay_revokes_session_for_both_holders(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)
    owner = (await refresh(client, tokens["refresh_token"])).json()
    # The grace for network retries is over once the successor has been rotated too.
    owner = (await refresh(client, owner["refresh_token"])).json()

    attacker = await refresh(client, tokens["refresh_token"])

    assert attacker.status_code == 401
    assert attacker.json()["code"] == "refresh_token_reused"
    owner_next = await refresh(client, owner["refresh_token"])
    assert owner_next.status_code == 401
    assert owner_next.json()["code"] == "refresh_token_invalid"
    attacker_next = await refresh(client, tokens["refresh_token"])
    assert attacker_next.status_code == 401
    me = await client.get("/v1/me", headers=bearer(owner["access_token"]))
    assert me.status_code == 401
    assert me.json()["code"] == "session_ended"
    assert _counter(container, "elenchos_refresh_token_reuse_detected_total") == 1.0
    async with container.uow() as uow:
        user = await uow.users.get_by_email(ADA)
        assert user is not None
        events = await uow.audit.list_for_user(user.id, SecurityEventQuery(limit=50))
    assert SecurityEventType.REFRESH_TOKEN_REUSE_DETECTED in [event.type for event in events]


async def test_retry_within_grace_returns_same_pair(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)

    first = await refresh(client, tokens["refresh_token"])
    retry = await refresh(client, tokens["refresh_token"])

    assert retry.status_code == 200, retry.text
    assert retry.json()["refresh_token"] == first.json()["refresh_token"]
    me = await client.get("/v1/me", headers=bearer(retry.json()["access_token"]))
    assert me.status_code == 200


async def test_refresh_rejects_bad_input(client: httpx.AsyncClient, container: Container) -> None:
    await signed_up_tokens(client, container)

    unknown = await refresh(client, "A" * 43)
    missing = await client.post("/v1/auth/refresh", json={})
    empty_body = await client.post("/v1/auth/refresh")
    too_long = await refresh(client, "A" * 500)

    assert unknown.status_code == 401
    assert unknown.json()["code"] == "refresh_token_invalid"
    assert missing.status_code == 401
    assert empty_body.status_code == 401
    assert too_long.status_code == 422


async def test_refresh_scopes_token_to_organisation(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)
    created = await client.post(
        "/v1/organisations", json={"name": "Engines"}, headers=bearer(str(tokens["access_token"]))
    )
    organisation_id = created.json()["id"]

    scoped = await refresh(client, tokens["refresh_token"], organisation_id=organisation_id)

    assert scoped.status_code == 200, scoped.text
    claims = container.tokens.verify_access_token(scoped.json()["access_token"])
    assert claims.extra["org"] == organisation_id
    foreign = await refresh(
        client, scoped.json()["refresh_token"], organisation_id=str(uuid.uuid4())
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "organisation_not_found"


async def test_sign_out_ends_access_token_at_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)
    headers = bearer(str(tokens["access_token"]))
    assert (await client.get("/v1/me", headers=headers)).status_code == 200

    response = await client.post("/v1/auth/sign-out", headers=headers)

    assert response.status_code == 204
    me = await client.get("/v1/me", headers=headers)
    assert me.status_code == 401
    assert me.json()["code"] == "session_ended"
    refreshed = await refresh(client, tokens["refresh_token"])
    assert refreshed.status_code == 401
    again = await client.post("/v1/auth/sign-out", headers=headers)
    assert again.status_code == 204


async def test_sign_out_with_refresh_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)

    response = await client.post(
        "/v1/auth/sign-out", json={"refresh_token": tokens["refresh_token"]}
    )
    anonymous = await client.post("/v1/auth/sign-out")

    assert response.status_code == 204
    assert anonymous.status_code == 401
    me = await client.get("/v1/me", headers=bearer(str(tokens["access_token"])))
    assert me.status_code == 401


async def test_list_and_revoke_my_sessions(
    client: httpx.AsyncClient, container: Container
) -> None:
    first = await signed_up_tokens(client, container)
    second = await sign_in_tokens(client, ADA)
    headers = bearer(str(second["access_token"]))

    listed = await client.get("/v1/me/sessions", headers=headers)

    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2
    assert [item["current"] for item in items] == [True, False]
    other_id = items[1]["id"]
    revoked = await client.delete(f"/v1/me/sessions/{other_id}", headers=headers)
    assert revoked.status_code == 204
    gone = await client.delete(f"/v1/me/sessions/{other_id}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["code"] == "session_not_found"
    me = await client.get("/v1/me", headers=bearer(str(first["access_token"])))
    assert me.status_code == 401


async def test_other_users_session_not_found(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_tokens(client, container)
    grace = await signed_up_tokens(client, container, "grace@example.com")
    ada_token = await sign_in_tokens(client, ADA)
    grace_sessions = await client.get(
        "/v1/me/sessions", headers=bearer(str(grace["access_token"]))
    )
    grace_session_id = grace_sessions.json()["items"][0]["id"]

    response = await client.delete(
        f"/v1/me/sessions/{grace_session_id}", headers=bearer(str(ada_token["access_token"]))
    )

    assert response.status_code == 404
    me = await client.get("/v1/me", headers=bearer(str(grace["access_token"])))
    assert me.status_code == 200


async def test_revoke_other_sessions_keeps_current(
    client: httpx.AsyncClient, container: Container
) -> None:
    others = [await signed_up_tokens(client, container)]
    others.append(await sign_in_tokens(client, ADA))
    current = await sign_in_tokens(client, ADA)
    headers = bearer(str(current["access_token"]))

    response = await client.delete("/v1/me/sessions", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert (await client.get("/v1/me", headers=headers)).status_code == 200
    for other in others:
        me = await client.get("/v1/me", headers=bearer(str(other["access_token"])))
        assert me.status_code == 401


async def test_password_change_ends_other_sessions_only(
    client: httpx.AsyncClient, container: Container
) -> None:
    other = await signed_up_tokens(client, container)
    current = await sign_in_tokens(client, ADA)
    headers = bearer(str(current["access_token"]))

    response = await client.post(
        "/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=headers,
    )

    assert response.status_code == 204, response.text
    assert (await client.get("/v1/me", headers=headers)).status_code == 200
    assert (await refresh(client, current["refresh_token"])).status_code == 200
    stale = await client.get("/v1/me", headers=bearer(str(other["access_token"])))
    assert stale.status_code == 401
    assert (await refresh(client, other["refresh_token"])).status_code == 401


async def test_token_without_session_rejected(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_token(client, container, ADA)
    async with container.uow() as uow:
        user = await uow.users.get_by_email(ADA)
    assert user is not None
    sessionless = container.tokens.issue_access_token(user.id).token
    malformed = container.tokens.issue_access_token(user.id, {"sid": "not-a-uuid"}).token

    for token in (sessionless, malformed):
        response = await client.get("/v1/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"


async def test_switch_organisation_keeps_session(
    client: httpx.AsyncClient, container: Container
) -> None:
    tokens = await signed_up_tokens(client, container)
    headers = bearer(str(tokens["access_token"]))
    created = await client.post("/v1/organisations", json={"name": "Engines"}, headers=headers)
    organisation_id = created.json()["id"]

    switched = await client.post(
        "/v1/auth/switch-organisation", json={"organisation_id": organisation_id}, headers=headers
    )
    refreshed = await refresh(client, tokens["refresh_token"])

    assert switched.status_code == 200, switched.text
    switched_token = switched.json()["access_token"]
    assert (await client.get("/v1/me", headers=bearer(switched_token))).status_code == 200
    claims = container.tokens.verify_access_token(refreshed.json()["access_token"])
    assert claims.extra["org"] == organisation_id


def _counter(container: Container, name: str) -> float:
    value = container.metrics.registry.get_sample_value(name)
    return float(value or 0.0)


# Two replicas on one database, with a shared clock moved by hand.

CACHE_SECONDS = 5


@pytest.fixture
async def two_replicas(
    database_url: str, tmp_path: Path, signing_keys: KeyRing
) -> AsyncIterator[tuple[FixedClock, list[httpx.AsyncClient]]]:
    clock = FixedClock()
    settings = make_settings(
        tmp_path / "data", database_url, session_cache_seconds=CACHE_SECONDS
    )
    containers = [
        await build(settings, hasher=cheap_hasher(), keys=signing_keys, clock=clock)
        for _ in range(2)
    ]
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container=container)),
            base_url="http://testserver",
        )
        for container in containers
    ]
    await sign_up(clients[0], ADA)
    await verify_directly(containers[0], ADA)
    yield clock, clients
    for client in clients:
        await client.aclose()
    for container in containers:
        await container.close()


async def test_replica_sees_sign_out_within_cache_bound(
    two_replicas: tuple[FixedClock, list[httpx.AsyncClient]],
) -> None:
    clock, (first, second) = two_replicas
    tokens = await sign_in_tokens(first, ADA)
    headers = bearer(str(tokens["access_token"]))
    assert (await second.get("/v1/me", headers=headers)).status_code == 200

    assert (await first.post("/v1/auth/sign-out", headers=headers)).status_code == 204

    assert (await first.get("/v1/me", headers=headers)).status_code == 401
    clock.advance(timedelta(seconds=CACHE_SECONDS - 1))
    assert (await second.get("/v1/me", headers=headers)).status_code == 200
    clock.advance(timedelta(seconds=1))
    late = await second.get("/v1/me", headers=headers)
    assert late.status_code == 401
    assert late.json()["code"] == "session_ended"


async def test_replica_rejects_refresh_of_revoked_session_at_once(
    two_replicas: tuple[FixedClock, list[httpx.AsyncClient]],
) -> None:
    _, (first, second) = two_replicas
    tokens = await sign_in_tokens(first, ADA)
    current = await sign_in_tokens(first, ADA)

    revoked = await first.delete("/v1/me/sessions", headers=bearer(str(current["access_token"])))

    assert revoked.json() == {"revoked": 1}
    response = await refresh(second, tokens["refresh_token"])
    assert response.status_code == 401
