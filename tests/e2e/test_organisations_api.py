"""Organisations, members, roles, statistics and organisation tokens over HTTP, on both backends."""

from __future__ import annotations

import uuid

import httpx
import jwt

from elenchos.bootstrap import Container
from tests.support.accounts import DEFAULT_PASSWORD, bearer, signed_up_token
from tests.support.organisations import create_organisation, join_directly


async def test_roles_matrix_is_public(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/roles")

    assert response.status_code == 200
    roles = response.json()["items"]
    assert [role["name"] for role in roles] == ["owner", "admin", "member"]
    assert "organisation:delete" in roles[0]["permissions"]
    assert "organisation:delete" not in roles[1]["permissions"]
    assert roles[2]["permissions"] == ["members:read", "organisation:read", "statistics:read"]


async def test_create_read_update_delete(client: httpx.AsyncClient, container: Container) -> None:
    token = await signed_up_token(client, container, "ada@example.com")

    created = await create_organisation(client, token, "Analytical Engines", settings={"a": 1})
    path = f"/v1/organisations/{created['id']}"
    updated = await client.patch(
        path,
        json={"name": "Engines", "slug": "engines", "settings": {"a": None, "b": 2}},
        headers=bearer(token),
    )
    read = await client.get(path, headers=bearer(token))
    deleted = await client.delete(path, headers=bearer(token))
    gone = await client.get(path, headers=bearer(token))

    assert created["slug"] == "analytical-engines"
    assert created["role"] == "owner"
    assert updated.status_code == 200
    assert read.json()["name"] == "Engines"
    assert read.json()["slug"] == "engines"
    assert read.json()["settings"] == {"b": 2}
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.json()["code"] == "organisation_not_found"


async def test_slug_problems(client: httpx.AsyncClient, container: Container) -> None:
    token = await signed_up_token(client, container, "ada@example.com")
    await create_organisation(client, token, "Acme", slug="acme")

    taken = await client.post(
        "/v1/organisations", json={"name": "X", "slug": "acme"}, headers=bearer(token)
    )
    invalid = await client.post(
        "/v1/organisations", json={"name": "X", "slug": "Not A Slug"}, headers=bearer(token)
    )

    assert taken.status_code == 409
    assert taken.json()["code"] == "slug_taken"
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_slug"


async def test_organisation_routes_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/organisations/{uuid.uuid4()}")

    assert response.status_code == 401


async def test_member_list_filters_searches_and_pages(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, "ada@example.com", display_name="Ada")
    organisation = await create_organisation(client, token)
    for email, name, role in [
        ("bob@example.com", "Bob", "admin"),
        ("carl@example.com", "Carl", "member"),
        ("dora@example.com", "Dora_Explorer", "member"),
    ]:
        await signed_up_token(client, container, email, display_name=name)
        await join_directly(container, organisation["id"], email, role)
    path = f"/v1/organisations/{organisation['id']}/members"

    first = await client.get(path, params={"limit": 2, "order": "email"}, headers=bearer(token))
    second = await client.get(
        path,
        params={"limit": 2, "order": "email", "cursor": first.json()["next_cursor"]},
        headers=bearer(token),
    )
    admins = await client.get(path, params={"role": "admin"}, headers=bearer(token))
    by_name = await client.get(path, params={"q": "DORA_"}, headers=bearer(token))
    wildcard = await client.get(path, params={"q": "%"}, headers=bearer(token))
    too_many = await client.get(path, params={"limit": 101}, headers=bearer(token))
    bad_cursor = await client.get(path, params={"cursor": "garbage"}, headers=bearer(token))

    assert [m["email"] for m in first.json()["items"]] == ["ada@example.com", "bob@example.com"]
    assert [m["email"] for m in second.json()["items"]] == ["carl@example.com", "dora@example.com"]
    assert second.json()["next_cursor"] is None
    assert [m["email"] for m in admins.json()["items"]] == ["bob@example.com"]
    assert [m["display_name"] for m in by_name.json()["items"]] == ["Dora_Explorer"]
    assert wildcard.json()["items"] == []
    assert too_many.status_code == 422
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["code"] == "invalid_cursor"


async def test_role_rules_answer_problem_codes(
    client: httpx.AsyncClient, container: Container
) -> None:
    owner = await signed_up_token(client, container, "ada@example.com")
    organisation = await create_organisation(client, owner)
    admin = await signed_up_token(client, container, "bob@example.com")
    admin_id = await join_directly(container, organisation["id"], "bob@example.com", "admin")
    await signed_up_token(client, container, "carl@example.com")
    member_id = await join_directly(container, organisation["id"], "carl@example.com")
    me = await client.get("/v1/me", headers=bearer(owner))
    owner_id = me.json()["id"]
    base = f"/v1/organisations/{organisation['id']}"

    own = await client.patch(
        f"{base}/members/{admin_id}", json={"role": "member"}, headers=bearer(admin)
    )
    above = await client.patch(
        f"{base}/members/{member_id}", json={"role": "owner"}, headers=bearer(admin)
    )
    owner_target = await client.delete(f"{base}/members/{owner_id}", headers=bearer(admin))
    last_owner = await client.post(f"{base}/leave", headers=bearer(owner))
    unknown = await client.delete(f"{base}/members/{uuid.uuid4()}", headers=bearer(owner))

    assert own.status_code == 403
    assert own.json()["code"] == "own_role_change"
    assert above.status_code == 403
    assert above.json()["code"] == "role_above_own"
    assert owner_target.status_code == 403
    assert owner_target.json()["code"] == "forbidden"
    assert last_owner.status_code == 409
    assert last_owner.json()["code"] == "last_owner"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "member_not_found"


async def test_statistics_and_role_counts(client: httpx.AsyncClient, container: Container) -> None:
    owner = await signed_up_token(client, container, "ada@example.com")
    organisation = await create_organisation(client, owner)
    await signed_up_token(client, container, "bob@example.com")
    await join_directly(container, organisation["id"], "bob@example.com", "admin")
    base = f"/v1/organisations/{organisation['id']}"
    await client.post(
        f"{base}/invitations",
        json={"email": "x@example.com", "role": "admin"},
        headers=bearer(owner),
    )
    await client.post(f"{base}/invitations", json={"email": "y@example.com"}, headers=bearer(owner))

    statistics = await client.get(f"{base}/statistics", headers=bearer(owner))
    roles = await client.get(f"{base}/roles", headers=bearer(owner))

    assert statistics.json() == {
        "total_members": 2,
        "members_by_role": {"owner": 1, "admin": 1, "member": 0},
        "pending_invitations_by_role": {"owner": 0, "admin": 1, "member": 1},
        "joined_last_7_days": 2,
        "joined_last_30_days": 2,
    }
    assert [(r["name"], r["member_count"]) for r in roles.json()["items"]] == [
        ("owner", 1),
        ("admin", 1),
        ("member", 0),
    ]


async def test_my_organisations_and_statistics(
    client: httpx.AsyncClient, container: Container
) -> None:
    ada = await signed_up_token(client, container, "ada@example.com")
    bob = await signed_up_token(client, container, "bob@example.com")
    mine = await create_organisation(client, bob, "Bob's")
    theirs = await create_organisation(client, ada, "Ada's")
    await join_directly(container, theirs["id"], "bob@example.com", "member")

    organisations = await client.get("/v1/me/organisations", headers=bearer(bob))
    statistics = await client.get("/v1/me/statistics", headers=bearer(bob))

    assert [(o["name"], o["role"]) for o in organisations.json()["items"]] == [
        ("Ada's", "member"),
        ("Bob's", "owner"),
    ]
    body = statistics.json()
    assert body["total_organisations"] == 2
    assert body["organisations_by_role"] == {"owner": 1, "admin": 0, "member": 1}
    assert [o["id"] for o in body["organisations"]["owner"]] == [mine["id"]]
    assert body["organisations"]["admin"] == []


async def test_sign_in_scoped_to_organisation(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_up_token(client, container, "ada@example.com")
    organisation = await create_organisation(client, token)

    scoped = await client.post(
        "/v1/auth/sign-in",
        json={
            "email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "organisation_id": organisation["id"],
        },
    )
    stranger = await client.post(
        "/v1/auth/sign-in",
        json={
            "email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "organisation_id": str(uuid.uuid4()),
        },
    )

    assert scoped.status_code == 200
    claims = jwt.decode(scoped.json()["access_token"], options={"verify_signature": False})
    assert claims["org"] == organisation["id"]
    assert claims["org_role"] == "owner"
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "organisation_not_found"


async def test_switch_organisation(client: httpx.AsyncClient, container: Container) -> None:
    ada = await signed_up_token(client, container, "ada@example.com")
    eve = await signed_up_token(client, container, "eve@example.com")
    organisation = await create_organisation(client, ada)
    body = {"organisation_id": organisation["id"]}

    switched = await client.post("/v1/auth/switch-organisation", json=body, headers=bearer(ada))
    refused = await client.post("/v1/auth/switch-organisation", json=body, headers=bearer(eve))

    assert switched.status_code == 200
    claims = jwt.decode(switched.json()["access_token"], options={"verify_signature": False})
    assert (claims["org"], claims["org_role"]) == (organisation["id"], "owner")
    assert refused.status_code == 404


async def test_removed_member_token_claims_do_not_grant_access(
    client: httpx.AsyncClient, container: Container
) -> None:
    ada = await signed_up_token(client, container, "ada@example.com")
    bob = await signed_up_token(client, container, "bob@example.com")
    organisation = await create_organisation(client, ada)
    bob_id = await join_directly(container, organisation["id"], "bob@example.com", "admin")
    switched = await client.post(
        "/v1/auth/switch-organisation",
        json={"organisation_id": organisation["id"]},
        headers=bearer(bob),
    )
    scoped = switched.json()["access_token"]

    await client.delete(
        f"/v1/organisations/{organisation['id']}/members/{bob_id}", headers=bearer(ada)
    )
    response = await client.get(f"/v1/organisations/{organisation['id']}", headers=bearer(scoped))

    assert response.status_code == 404


async def test_transfer_ownership(client: httpx.AsyncClient, container: Container) -> None:
    ada = await signed_up_token(client, container, "ada@example.com")
    await signed_up_token(client, container, "bob@example.com")
    organisation = await create_organisation(client, ada)
    bob_id = await join_directly(container, organisation["id"], "bob@example.com")
    base = f"/v1/organisations/{organisation['id']}"

    response = await client.post(
        f"{base}/transfer-ownership", json={"user_id": bob_id}, headers=bearer(ada)
    )
    mine = await client.get(base, headers=bearer(ada))

    assert response.status_code == 204
    assert mine.json()["role"] == "admin"
