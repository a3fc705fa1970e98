"""Failed sign-in limits, trusted proxies and the audit log over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.application.audit_ports import SecurityEventQuery
from elenchos.bootstrap import Container, build
from elenchos.config import Settings
from elenchos.http.app import create_app
from tests.conftest import cheap_hasher
from tests.support.accounts import DEFAULT_PASSWORD, bearer, sign_in, signed_up_token
from tests.support.mail import deliver, link_token, only_mail_to
from tests.support.organisations import create_organisation, invite, join_directly

ADA = "ada@example.com"
GRACE = "grace@example.com"
EVE = "eve@example.com"
WRONG = "not the password at all"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "sign_in_failures_per_account": 3,
        "sign_in_failures_per_ip": 20,
        "trusted_proxies": "127.0.0.1",
    }


async def failed_sign_in(
    client: httpx.AsyncClient, email: str = ADA, forwarded_for: str = "198.51.100.66"
) -> httpx.Response:
    return await client.post(
        "/v1/auth/sign-in",
        json={"email": email, "password": WRONG},
        headers={"X-Forwarded-For": forwarded_for},
    )


async def my_events(
    client: httpx.AsyncClient, token: str, **params: Any
) -> dict[str, Any]:
    response = await client.get("/v1/me/security-events", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def audit_log(
    client: httpx.AsyncClient, token: str, organisation_id: str, **params: Any
) -> httpx.Response:
    return await client.get(
        f"/v1/organisations/{organisation_id}/audit-log", params=params, headers=bearer(token)
    )


# Failed sign-in limits


async def test_lockout_answers_429_with_retry_after(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_token(client, container, ADA)
    failures = [await failed_sign_in(client) for _ in range(3)]

    locked = await client.post(
        "/v1/auth/sign-in", json={"email": ADA, "password": DEFAULT_PASSWORD}
    )

    assert [response.status_code for response in failures] == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert 0 < int(locked.headers["retry-after"]) <= 900
    assert DEFAULT_PASSWORD not in locked.text
    rejected = container.metrics.rate_limited.labels(limit="sign_in_account")._value.get()
    assert rejected == 1


async def test_unknown_address_locks_like_known(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await failed_sign_in(client, "nobody@example.com")

    locked = await failed_sign_in(client, "nobody@example.com")

    assert locked.status_code == 429
    assert locked.json()["detail"] == "Too many failed sign-ins for this account; try again later."


async def test_password_reset_clears_lockout(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_up_token(client, container, ADA)
    await deliver(container)
    for _ in range(4):
        await failed_sign_in(client)
    await client.post("/v1/auth/password-reset", json={"email": ADA})
    token = link_token((await only_mail_to(container, ADA)).text)

    confirmed = await client.post(
        "/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a brand new passphrase"},
    )
    signed_in = await client.post(
        "/v1/auth/sign-in", json={"email": ADA, "password": "a brand new passphrase"}
    )

    assert confirmed.status_code == 204
    assert signed_in.status_code == 200


async def test_replicas_share_one_count(
    client: httpx.AsyncClient,
    container: Container,
    settings: Settings,
    signing_keys: KeyRing,
) -> None:
    await signed_up_token(client, container, ADA)
    await failed_sign_in(client)
    await failed_sign_in(client)
    replica = await build(settings, hasher=cheap_hasher(), keys=signing_keys)
    try:
        transport = httpx.ASGITransport(app=create_app(container=replica))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            third = await failed_sign_in(other)
            locked_on_replica = await failed_sign_in(other)
    finally:
        await replica.close()
    locked_here = await failed_sign_in(client)

    assert third.status_code == 401
    assert locked_on_replica.status_code == 429
    assert locked_here.status_code == 429


# Trusted proxies


async def test_trusted_proxy_header_names_client(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, ADA)
    await failed_sign_in(client, ADA, forwarded_for="6.6.6.6, 203.0.113.9")

    body = await my_events(client, token, type="sign_in.failed")

    assert body["items"][0]["ip_address"] == "203.0.113.9"


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_untrusted_peer_header_is_ignored(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, ADA)
    await failed_sign_in(client, ADA, forwarded_for="203.0.113.9")

    body = await my_events(client, token, type="sign_in.failed")

    assert body["items"][0]["ip_address"] == "127.0.0.1"


# My security events


async def test_my_events_list_sign_ins_newest_first(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, ADA)
    await failed_sign_in(client)

    body = await my_events(client, token)

    types = [item["type"] for item in body["items"]]
    assert types[0] == "sign_in.failed"
    assert "sign_in.succeeded" in types
    assert body["next_cursor"] is None
    assert WRONG not in str(body)


async def test_my_events_pages_and_filters(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, ADA)
    for _ in range(2):
        await failed_sign_in(client)
    await sign_in(client, ADA)

    first = await my_events(client, token, limit=2)
    second = await my_events(client, token, limit=2, cursor=first["next_cursor"])
    failed_only = await my_events(client, token, type="sign_in.failed")
    several = await my_events(
        client, token, type=["sign_in.failed", "sign_in.succeeded"], limit=100
    )
    future = await my_events(client, token, since="2999-01-01T00:00:00Z")

    assert len(first["items"]) == 2
    assert first["next_cursor"] is not None
    seen = {item["id"] for item in first["items"]}
    assert not seen & {item["id"] for item in second["items"]}
    assert [item["type"] for item in failed_only["items"]] == ["sign_in.failed"] * 2
    assert len(several["items"]) == 4
    assert future["items"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "garbage"}, "invalid_cursor"),
        ({"since": "2026-01-01T00:00:00"}, "validation_failed"),
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "validation_failed"),
        ({"type": "no.such_type"}, "validation_failed"),
        ({"limit": 101}, "validation_failed"),
    ],
)
async def test_my_events_reject_bad_query(
    client: httpx.AsyncClient, container: Container, params: dict[str, Any], code: str
) -> None:
    token = await signed_up_token(client, container, ADA)

    response = await client.get("/v1/me/security-events", params=params, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["code"] == code


async def test_my_events_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me/security-events")

    assert response.status_code == 401


# Organisation audit log


async def test_audit_log_access_by_role(client: httpx.AsyncClient, container: Container) -> None:
    owner = await signed_up_token(client, container, ADA)
    member = await signed_up_token(client, container, GRACE)
    outsider = await signed_up_token(client, container, EVE)
    organisation = await create_organisation(client, owner)
    await join_directly(container, organisation["id"], GRACE)

    as_owner = await audit_log(client, owner, organisation["id"])
    as_member = await audit_log(client, member, organisation["id"])
    as_outsider = await audit_log(client, outsider, organisation["id"])

    assert as_owner.status_code == 200
    assert [item["type"] for item in as_owner.json()["items"]] == ["organisation.created"]
    assert as_member.status_code == 403
    assert as_outsider.status_code == 404
    assert as_outsider.json()["code"] == "organisation_not_found"


async def test_admin_reads_invitation_and_role_events(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner = await signed_up_token(client, container, ADA)
    await signed_up_token(client, container, GRACE)
    organisation = await create_organisation(client, owner)
    grace_id = await join_directly(container, organisation["id"], GRACE)
    await invite(client, owner, organisation["id"], "new@example.com")
    await client.patch(
        f"/v1/organisations/{organisation['id']}/members/{grace_id}",
        json={"role": "admin"},
        headers={**bearer(owner), "User-Agent": "AuditTest/1.0"},
    )
    admin = await sign_in(client, GRACE)

    response = await audit_log(client, admin, organisation["id"], type="member.role_changed")

    assert response.status_code == 200
    [changed] = response.json()["items"]
    assert changed["subject_user_id"] == grace_id
    assert changed["details"] == {"role": "admin", "previous_role": "member"}
    assert changed["user_agent"] == "AuditTest/1.0"
    assert changed["organisation_id"] == organisation["id"]


async def test_audit_logs_are_isolated(client: httpx.AsyncClient, container: Container) -> None:
    ada = await signed_up_token(client, container, ADA)
    eve = await signed_up_token(client, container, EVE)
    ours = await create_organisation(client, ada, "Acme")
    theirs = await create_organisation(client, eve, "Globex")
    await invite(client, ada, ours["id"], "secret-hire@example.com")
    await invite(client, eve, theirs["id"], "their-hire@example.com")

    our_log = (await audit_log(client, ada, ours["id"], limit=100)).json()["items"]
    their_log = (await audit_log(client, eve, theirs["id"], limit=100)).json()["items"]
    cross = await audit_log(client, eve, ours["id"])

    assert {item["organisation_id"] for item in our_log} == {ours["id"]}
    assert {item["organisation_id"] for item in their_log} == {theirs["id"]}
    assert "secret-hire" not in str(their_log)
    assert "their-hire" not in str(our_log)
    assert cross.status_code == 404


async def test_audit_log_pages(client: httpx.AsyncClient, container: Container) -> None:
    owner = await signed_up_token(client, container, ADA)
    organisation = await create_organisation(client, owner)
    for index in range(4):
        await invite(client, owner, organisation["id"], f"person{index}@example.com")

    first = (await audit_log(client, owner, organisation["id"], limit=3)).json()
    second = (
        await audit_log(client, owner, organisation["id"], limit=3, cursor=first["next_cursor"])
    ).json()

    emails = [item["details"].get("email") for item in first["items"] + second["items"]]
    assert emails == [
        "person3@example.com",
        "person2@example.com",
        "person1@example.com",
        "person0@example.com",
        None,
    ]
    assert second["next_cursor"] is None


async def test_deleted_organisation_keeps_its_log(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner = await signed_up_token(client, container, ADA)
    organisation = await create_organisation(client, owner)
    deleted = await client.delete(
        f"/v1/organisations/{organisation['id']}", headers=bearer(owner)
    )

    response = await audit_log(client, owner, organisation["id"])
    async with container.uow() as uow:
        kept = await uow.audit.list_for_organisation(
            uuid.UUID(organisation["id"]), SecurityEventQuery(limit=10)
        )

    assert deleted.status_code == 204
    assert response.status_code == 404
    assert [event.type.value for event in kept] == [
        "organisation.deleted",
        "organisation.created",
    ]
