"""Invitations over HTTP on both backends: invite, preview, accept, sign up, the page."""

from __future__ import annotations

from datetime import timedelta

import httpx

from elenchos.bootstrap import Container
from elenchos.domain.invitations import hash_invitation_token
from tests.support.accounts import DEFAULT_PASSWORD, bearer, sign_in, signed_up_token
from tests.support.organisations import (
    create_organisation,
    invitation_token,
    invite,
    join_directly,
    queued_mails,
)


async def owner_with_organisation(
    client: httpx.AsyncClient, container: Container
) -> tuple[str, str]:
    token = await signed_up_token(client, container, "ada@example.com", display_name="Ada")
    organisation = await create_organisation(client, token, "Analytical Engines")
    return token, organisation["id"]


async def test_invite_answers_without_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)

    invitation = await invite(client, owner, organisation_id, "Bob@Example.com", "admin")

    token = await invitation_token(container, "Bob@Example.com")
    assert invitation["status"] == "pending"
    assert invitation["role"] == "admin"
    assert token not in str(invitation)
    [context] = await queued_mails(container, "invitation", "Bob@Example.com")
    assert context["organisation_name"] == "Analytical Engines"
    assert context["inviter_name"] == "Ada"


async def test_sign_up_with_invitation_then_sign_in(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    await invite(client, owner, organisation_id, "bob@example.com", "admin")
    token = await invitation_token(container, "bob@example.com")

    preview = await client.get("/v1/invitations/preview", params={"token": token})
    signed_up = await client.post(
        "/v1/auth/sign-up",
        json={"email": "BOB@example.com", "password": DEFAULT_PASSWORD, "invitation_token": token},
    )
    bob = await sign_in(client, "bob@example.com")
    mine = await client.get("/v1/me/organisations", headers=bearer(bob))
    reused = await client.get("/v1/invitations/preview", params={"token": token})

    assert preview.status_code == 200
    assert preview.headers["cache-control"] == "no-store"
    assert preview.json()["account_exists"] is False
    assert preview.json()["inviter_name"] == "Ada"
    assert preview.json()["role"] == "admin"
    assert signed_up.status_code == 202
    assert signed_up.json()["status"] == "active"
    assert [(o["id"], o["role"]) for o in mine.json()["items"]] == [(organisation_id, "admin")]
    assert reused.status_code == 410
    assert reused.json()["code"] == "invitation_already_used"


async def test_sign_up_with_invitation_for_taken_address(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    await signed_up_token(client, container, "bob@example.com")
    await invite(client, owner, organisation_id, "bob@example.com")
    token = await invitation_token(container, "bob@example.com")
    plain = await client.post(
        "/v1/auth/sign-up", json={"email": "new@example.com", "password": DEFAULT_PASSWORD}
    )

    response = await client.post(
        "/v1/auth/sign-up",
        json={
            "email": "bob@example.com",
            "password": "another password",
            "invitation_token": token,
        },
    )
    preview = await client.get("/v1/invitations/preview", params={"token": token})

    assert response.status_code == 202
    assert response.json() == plain.json()
    assert preview.status_code == 200


async def test_sign_up_with_invitation_for_other_address(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    await invite(client, owner, organisation_id, "bob@example.com")
    token = await invitation_token(container, "bob@example.com")

    response = await client.post(
        "/v1/auth/sign-up",
        json={"email": "eve@example.com", "password": DEFAULT_PASSWORD, "invitation_token": token},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "invitation_email_mismatch"


async def test_accept_by_signed_in_user(client: httpx.AsyncClient, container: Container) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    bob = await signed_up_token(client, container, "bob@example.com")
    eve = await signed_up_token(client, container, "eve@example.com")
    await invite(client, owner, organisation_id, "BOB@example.com")
    token = await invitation_token(container, "BOB@example.com")

    pending = await client.get("/v1/me/invitations", headers=bearer(bob))
    wrong = await client.post("/v1/invitations/accept", json={"token": token}, headers=bearer(eve))
    accepted = await client.post(
        "/v1/invitations/accept", json={"token": token}, headers=bearer(bob)
    )
    again = await client.post("/v1/invitations/accept", json={"token": token}, headers=bearer(bob))
    invited = await client.post(
        f"/v1/organisations/{organisation_id}/invitations",
        json={"email": "bob@example.com"},
        headers=bearer(owner),
    )

    assert [i["organisation_name"] for i in pending.json()["items"]] == ["Analytical Engines"]
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "invitation_email_mismatch"
    assert accepted.status_code == 200
    assert accepted.json()["role"] == "member"
    assert again.status_code == 410
    assert again.json()["code"] == "invitation_already_used"
    assert invited.status_code == 409
    assert invited.json()["code"] == "already_member"


async def test_expired_revoked_and_renewed_links(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    bob = await signed_up_token(client, container, "bob@example.com")
    base = f"/v1/organisations/{organisation_id}/invitations"
    revoked = await invite(client, owner, organisation_id, "carl@example.com")
    revoked_token = await invitation_token(container, "carl@example.com")
    await client.delete(f"{base}/{revoked['id']}", headers=bearer(owner))
    first = await invite(client, owner, organisation_id, "bob@example.com")
    old_token = await invitation_token(container, "bob@example.com")
    second = await invite(client, owner, organisation_id, "bob@example.com", "admin")
    new_token = await invitation_token(container, "bob@example.com")

    revoked_preview = await client.get("/v1/invitations/preview", params={"token": revoked_token})
    old = await client.post(
        "/v1/invitations/accept", json={"token": old_token}, headers=bearer(bob)
    )
    listed = await client.get(base, params={"status": "revoked"}, headers=bearer(owner))

    assert first["id"] == second["id"]
    assert revoked_preview.status_code == 410
    assert revoked_preview.json()["code"] == "invitation_revoked"
    assert old.status_code == 404
    assert old.json()["code"] == "invitation_not_found"
    assert [i["email"] for i in listed.json()["items"]] == ["carl@example.com"]
    assert new_token != old_token


async def test_expired_link(client: httpx.AsyncClient, container: Container) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    bob = await signed_up_token(client, container, "bob@example.com")
    invitation = await invite(client, owner, organisation_id, "bob@example.com")
    token = await invitation_token(container, "bob@example.com")
    async with container.uow() as uow:
        stored = await uow.invitations.get_by_token_hash(hash_invitation_token(token))
        assert stored is not None
        stored.expires_at = container.clock.now() - timedelta(seconds=1)
        await uow.invitations.update(stored)
        await uow.commit()

    expired = await client.post(
        "/v1/invitations/accept", json={"token": token}, headers=bearer(bob)
    )
    listed = await client.get(
        f"/v1/organisations/{organisation_id}/invitations",
        params={"status": "expired"},
        headers=bearer(owner),
    )
    resent = await client.post(
        f"/v1/organisations/{organisation_id}/invitations/{invitation['id']}/resend",
        headers=bearer(owner),
    )
    accepted = await client.post(
        "/v1/invitations/accept",
        json={"token": await invitation_token(container, "bob@example.com")},
        headers=bearer(bob),
    )

    assert expired.status_code == 410
    assert expired.json()["code"] == "invitation_expired"
    assert [i["status"] for i in listed.json()["items"]] == ["expired"]
    assert resent.status_code == 200
    assert resent.json()["status"] == "pending"
    assert accepted.status_code == 200


async def test_inviter_removed_before_acceptance(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    admin = await signed_up_token(client, container, "alan@example.com", display_name="Alan")
    admin_id = await join_directly(container, organisation_id, "alan@example.com", "admin")
    bob = await signed_up_token(client, container, "bob@example.com")
    await invite(client, admin, organisation_id, "bob@example.com")
    await client.delete(
        f"/v1/organisations/{organisation_id}/members/{admin_id}", headers=bearer(owner)
    )

    accepted = await client.post(
        "/v1/invitations/accept",
        json={"token": await invitation_token(container, "bob@example.com")},
        headers=bearer(bob),
    )
    members = await client.get(
        f"/v1/organisations/{organisation_id}/members",
        params={"q": "bob"},
        headers=bearer(owner),
    )

    assert accepted.status_code == 200
    assert members.json()["items"][0]["invited_by"] == admin_id


async def test_accept_invitation_page(client: httpx.AsyncClient, container: Container) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    await client.patch(
        f"/v1/organisations/{organisation_id}",
        json={"name": "<script>alert(1)</script>"},
        headers=bearer(owner),
    )
    await invite(client, owner, organisation_id, "bob@example.com", "admin")
    token = await invitation_token(container, "bob@example.com")

    page = await client.get("/ui/accept-invitation", params={"token": token})
    unknown = await client.get("/ui/accept-invitation", params={"token": "nope"})

    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "&lt;script&gt;" in page.text
    assert "<script>" not in page.text
    assert "bob@example.com" in page.text
    assert "no account yet" in page.text
    assert unknown.status_code == 404
    assert unknown.headers["referrer-policy"] == "no-referrer"


async def test_invitation_list_pages(client: httpx.AsyncClient, container: Container) -> None:
    owner, organisation_id = await owner_with_organisation(client, container)
    for number in range(3):
        await invite(client, owner, organisation_id, f"guest{number}@example.com")
    base = f"/v1/organisations/{organisation_id}/invitations"

    first = await client.get(base, params={"limit": 2}, headers=bearer(owner))
    second = await client.get(
        base, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=bearer(owner)
    )

    emails = [i["email"] for i in first.json()["items"] + second.json()["items"]]
    assert sorted(emails) == [f"guest{number}@example.com" for number in range(3)]
    assert second.json()["next_cursor"] is None
