"""Tenant isolation: every organisation route against every kind of caller, on both backends.

Organisation A has an owner, an admin, a member and a second member (the
target of member routes), plus a pending invitation. Callers are a user in
no organisation, A's member, admin and owner, and the owner of organisation
B, who tries A's ids both under A's path and under B's own path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from elenchos.bootstrap import Container
from elenchos.domain.invitations import InvitationState
from elenchos.domain.roles import Role
from elenchos.domain.users import User
from tests.support.accounts import bearer, session_token
from tests.support.organisations import invitation_token

NON_MEMBER = "non_member"
MEMBER = "member"
ADMIN = "admin"
OWNER = "owner"
OTHER_ORG_UNDER_A = "other_org_under_a"
OTHER_ORG_UNDER_B = "other_org_under_b"
CALLERS = [NON_MEMBER, MEMBER, ADMIN, OWNER, OTHER_ORG_UNDER_A, OTHER_ORG_UNDER_B]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    # Expected status for each caller; None where the cell does not apply.
    expected: dict[str, int | None]


def expect(
    member: int, admin: int, owner: int, under_b: int | None = None
) -> dict[str, int | None]:
    return {
        NON_MEMBER: 404,
        MEMBER: member,
        ADMIN: admin,
        OWNER: owner,
        OTHER_ORG_UNDER_A: 404,
        OTHER_ORG_UNDER_B: under_b,
    }


ROUTES = [
    Route("read", "GET", "/v1/organisations/{org}", None, expect(200, 200, 200)),
    Route(
        "update",
        "PATCH",
        "/v1/organisations/{org}",
        {"settings": {"theme": "dark"}},
        expect(403, 200, 200),
    ),
    Route("members", "GET", "/v1/organisations/{org}/members", None, expect(200, 200, 200)),
    Route(
        "change_role",
        "PATCH",
        "/v1/organisations/{org}/members/{target}",
        {"role": "admin"},
        expect(403, 200, 200, under_b=404),
    ),
    Route(
        "remove",
        "DELETE",
        "/v1/organisations/{org}/members/{target}",
        None,
        expect(403, 204, 204, under_b=404),
    ),
    # The owner is the only owner, so leaving is refused to them alone.
    Route("leave", "POST", "/v1/organisations/{org}/leave", None, expect(204, 204, 409)),
    Route(
        "transfer",
        "POST",
        "/v1/organisations/{org}/transfer-ownership",
        {"user_id": "{target}"},
        expect(403, 403, 204, under_b=404),
    ),
    Route("statistics", "GET", "/v1/organisations/{org}/statistics", None, expect(200, 200, 200)),
    Route("roles", "GET", "/v1/organisations/{org}/roles", None, expect(200, 200, 200)),
    Route(
        "invite",
        "POST",
        "/v1/organisations/{org}/invitations",
        {"email": "newcomer@example.com", "role": "member"},
        expect(403, 201, 201),
    ),
    Route("invitations", "GET", "/v1/organisations/{org}/invitations", None, expect(403, 200, 200)),
    Route(
        "resend",
        "POST",
        "/v1/organisations/{org}/invitations/{invitation}/resend",
        None,
        expect(403, 200, 200, under_b=404),
    ),
    Route(
        "revoke",
        "DELETE",
        "/v1/organisations/{org}/invitations/{invitation}",
        None,
        expect(403, 204, 204, under_b=404),
    ),
    Route("delete", "DELETE", "/v1/organisations/{org}", None, expect(403, 403, 204)),
]

CELLS = [
    pytest.param(route, caller, id=f"{route.name}-{caller}")
    for route in ROUTES
    for caller in CALLERS
    if route.expected[caller] is not None
]


@dataclass
class Tenants:
    organisation_a: uuid.UUID
    organisation_b: uuid.UUID
    target: User
    invitation_id: uuid.UUID
    tokens: dict[str, str]


async def add_user(container: Container, email: str) -> User:
    user = User.register(email, "unused-hash", container.clock.now(), verified=True)
    async with container.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def arrange(container: Container) -> Tenants:
    use = container.use_cases.organisations
    owner = await add_user(container, "owner@a.example")
    admin = await add_user(container, "admin@a.example")
    member = await add_user(container, "member@a.example")
    target = await add_user(container, "target@a.example")
    outsider = await add_user(container, "outsider@example.com")
    other_owner = await add_user(container, "owner@b.example")
    organisation_a = (await use.create_organisation(owner.id, "A")).organisation.id
    organisation_b = (await use.create_organisation(other_owner.id, "B")).organisation.id
    for user, role in [(admin, Role.ADMIN), (member, Role.MEMBER), (target, Role.MEMBER)]:
        await use.invite_member(owner.id, organisation_a, user.email, role)
        token = await invitation_token(container, user.email)
        await use.accept_invitation(user.id, token)
    invitation = await use.invite_member(owner.id, organisation_a, "pending@a.example", Role.MEMBER)

    tokens = {
        NON_MEMBER: await session_token(container, outsider.id),
        MEMBER: await session_token(container, member.id),
        ADMIN: await session_token(container, admin.id),
        OWNER: await session_token(container, owner.id),
        OTHER_ORG_UNDER_A: await session_token(container, other_owner.id),
        OTHER_ORG_UNDER_B: await session_token(container, other_owner.id),
    }
    return Tenants(organisation_a, organisation_b, target, invitation.id, tokens)


def fill(template: str, tenants: Tenants, caller: str) -> str:
    organisation = tenants.organisation_b if caller == OTHER_ORG_UNDER_B else tenants.organisation_a
    return (
        template.replace("{org}", str(organisation))
        .replace("{target}", str(tenants.target.id))
        .replace("{invitation}", str(tenants.invitation_id))
    )


async def assert_organisation_a_unchanged(container: Container, tenants: Tenants) -> None:
    async with container.uow() as uow:
        organisation = await uow.organisations.get(tenants.organisation_a)
        target = await uow.memberships.get(tenants.organisation_a, tenants.target.id)
        invitation = await uow.invitations.get(tenants.organisation_a, tenants.invitation_id)
    assert organisation is not None
    assert organisation.settings == {}
    assert target is not None and target.role is Role.MEMBER
    assert invitation is not None
    assert invitation.state(container.clock.now()) is InvitationState.PENDING


@pytest.mark.parametrize(("route", "caller"), CELLS)
async def test_isolation_matrix(
    client: httpx.AsyncClient, container: Container, route: Route, caller: str
) -> None:
    tenants = await arrange(container)
    body = None
    if route.body is not None:
        body = {
            key: fill(str(value), tenants, caller) if isinstance(value, str) else value
            for key, value in route.body.items()
        }

    response = await client.request(
        route.method,
        fill(route.path, tenants, caller),
        json=body,
        headers=bearer(tenants.tokens[caller]),
    )

    assert response.status_code == route.expected[caller], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert "owner@a.example" not in response.text
        await assert_organisation_a_unchanged(container, tenants)
    if response.status_code == 404 and caller != OTHER_ORG_UNDER_B:
        assert response.json()["code"] == "organisation_not_found"


async def test_not_found_looks_like_missing_organisation(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenants = await arrange(container)
    headers = bearer(tenants.tokens[NON_MEMBER])

    existing = await client.get(f"/v1/organisations/{tenants.organisation_a}", headers=headers)
    missing = await client.get(f"/v1/organisations/{uuid.uuid4()}", headers=headers)

    assert existing.status_code == missing.status_code == 404
    assert existing.json() == missing.json()


async def test_other_organisation_lists_show_only_own_data(
    client: httpx.AsyncClient, container: Container
) -> None:
    tenants = await arrange(container)
    headers = bearer(tenants.tokens[OTHER_ORG_UNDER_B])
    base = f"/v1/organisations/{tenants.organisation_b}"

    members = await client.get(f"{base}/members", headers=headers)
    invitations = await client.get(f"{base}/invitations", headers=headers)
    statistics = await client.get(f"{base}/statistics", headers=headers)
    mine = await client.get("/v1/me/organisations", headers=headers)

    assert [m["email"] for m in members.json()["items"]] == ["owner@b.example"]
    assert invitations.json()["items"] == []
    assert statistics.json()["total_members"] == 1
    assert [o["name"] for o in mine.json()["items"]] == ["B"]
