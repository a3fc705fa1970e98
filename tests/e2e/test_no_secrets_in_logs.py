"""No password, token or Authorization header reaches a log line or an error body, in any flow."""

from __future__ import annotations

import logging

import httpx
import pytest

from elenchos.bootstrap import Container
from tests.support.organisations import create_organisation, invitation_token, invite, queued_mails

PASSWORD = "first secret passphrase"
NEW_PASSWORD = "second secret passphrase"
RESET_PASSWORD = "third secret passphrase"
GRACE_PASSWORD = "grace secret passphrase"
JSON = {"content-type": "application/json"}


class Recorder:
    """Every secret a flow handles, and every error body it received."""

    def __init__(self) -> None:
        self.secrets: set[str] = {PASSWORD, NEW_PASSWORD, RESET_PASSWORD, GRACE_PASSWORD}
        self.error_bodies: list[str] = []

    def keep(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            self.error_bodies.append(response.text)
        return response


async def newest_token(container: Container, template: str, recipient: str) -> str:
    contexts = await queued_mails(container, template, recipient)
    assert contexts, f"no {template} mail queued for {recipient}"
    token: str = contexts[-1]["token"]
    return token


async def run_every_flow(client: httpx.AsyncClient, container: Container, seen: Recorder) -> None:
    async def post(path: str, body: dict[str, object], token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return seen.keep(await client.post(path, json=body, headers=headers))

    ada = "ada@example.com"
    await post("/v1/auth/sign-up", {"email": ada, "password": PASSWORD})
    await post("/v1/auth/sign-up", {"email": ada, "password": PASSWORD})
    verify = await newest_token(container, "verify_email", ada)
    seen.secrets.add(verify)
    await post("/v1/auth/verify-email", {"token": verify})
    await post("/v1/auth/verify-email", {"token": verify})

    await post("/v1/auth/sign-in", {"email": ada, "password": "a wrong password"})
    await post("/v1/auth/sign-in", {"email": "nobody@example.com", "password": PASSWORD})
    signed_in = (await post("/v1/auth/sign-in", {"email": ada, "password": PASSWORD})).json()
    access, refresh = signed_in["access_token"], signed_in["refresh_token"]
    seen.secrets.update({access, refresh})

    rotated = (await post("/v1/auth/refresh", {"refresh_token": refresh})).json()
    access, new_refresh = rotated["access_token"], rotated["refresh_token"]
    seen.secrets.update({access, new_refresh})
    await post("/v1/auth/refresh", {"refresh_token": "forged-refresh-token-value-0123456789"})
    seen.secrets.add("forged-refresh-token-value-0123456789")
    seen.keep(await client.get("/v1/me", headers={"Authorization": f"Bearer {access}"}))
    tampered = "Bearer " + access[:-4] + "AAAA"
    seen.keep(await client.get("/v1/me", headers={"Authorization": tampered}))

    wrong_change = {"current_password": "a wrong password", "new_password": NEW_PASSWORD}
    await post("/v1/me/password", wrong_change, access)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    await post("/v1/me/password", change, access)

    organisation = await create_organisation(client, access, "Secret Keepers")
    await invite(client, access, organisation["id"], "grace@example.com")
    invitation = await invitation_token(container, "grace@example.com")
    seen.secrets.add(invitation)
    seen.keep(await client.get("/v1/invitations/preview", params={"token": invitation}))
    await post(
        "/v1/auth/sign-up",
        {"email": "grace@example.com", "password": GRACE_PASSWORD, "invitation_token": invitation},
    )
    await post("/v1/invitations/accept", {"token": invitation}, access)

    await post("/v1/auth/password-reset", {"email": ada})
    await post("/v1/auth/password-reset", {"email": "nobody@example.com"})
    reset = await newest_token(container, "password_reset", ada)
    seen.secrets.add(reset)
    await post("/v1/auth/password-reset/confirm", {"token": reset, "new_password": RESET_PASSWORD})
    await post("/v1/auth/password-reset/confirm", {"token": reset, "new_password": RESET_PASSWORD})

    await post("/v1/auth/refresh", {"refresh_token": refresh})
    await post("/v1/auth/sign-out", {"refresh_token": new_refresh}, access)
    seen.keep(
        await client.post("/v1/auth/sign-in", content=b'{"email": "a", "password": ', headers=JSON)
    )


async def test_secrets_never_logged_or_echoed(
    client: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = Recorder()

    await run_every_flow(client, container, seen)

    # The httpx logger is the test's own client, which logs the URLs it requests.
    records = [record for record in caplog.records if not record.name.startswith("httpx")]
    lines = [record.getMessage() for record in records]
    lines += [str(record.exc_info[1]) for record in records if record.exc_info]
    assert len(lines) > 20
    assert seen.error_bodies
    for secret in seen.secrets:
        assert len(secret) >= 16
        leaking_lines = [line for line in lines if secret in line]
        leaking_bodies = [body for body in seen.error_bodies if secret in body]
        assert leaking_lines == [], f"a secret reached the log: {leaking_lines[0]!r}"
        assert leaking_bodies == [], f"a secret reached an error body: {leaking_bodies[0]!r}"
    assert not [line for line in lines if "Bearer " in line]
