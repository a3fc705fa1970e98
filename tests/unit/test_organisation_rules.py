"""Organisation and membership rules, through the use cases on in-memory adapters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from elenchos.application.read_models import MemberOrder
from elenchos.domain.errors import (
    InvalidCursor,
    InvalidSlug,
    LastOwnerError,
    MemberNotFound,
    OrganisationNotFound,
    OwnRoleChange,
    PermissionDenied,
    RoleAboveOwn,
    SlugTaken,
    ValidationFailed,
)
from elenchos.domain.organisations import Membership, check_role_change, slugify
from elenchos.domain.roles import Role
from tests.support.organisations import OrganisationWorld

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def world() -> OrganisationWorld:
    return OrganisationWorld()


async def test_creator_becomes_owner(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")

    created = await world.use.create_organisation(ada.id, "Analytical Engines")

    assert created.role is Role.OWNER
    assert created.organisation.slug == "analytical-engines"
    assert await world.role_of(created.organisation.id, ada) is Role.OWNER


async def test_generated_slug_gets_suffix_when_taken(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    first = await world.use.create_organisation(ada.id, "Acme")

    second = await world.use.create_organisation(ada.id, "Acme")

    assert first.organisation.slug == "acme"
    assert second.organisation.slug.startswith("acme-")
    assert second.organisation.slug != first.organisation.slug


async def test_explicit_slug_taken_is_rejected(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    await world.use.create_organisation(ada.id, "Acme", slug="acme")

    with pytest.raises(SlugTaken):
        await world.use.create_organisation(ada.id, "Other", slug="acme")


@pytest.mark.parametrize("slug", ["Acme", "-acme", "acme-", "ac--me", "ac me", "a" * 64, ""])
async def test_invalid_slug_is_rejected(world: OrganisationWorld, slug: str) -> None:
    ada = await world.user("ada@example.com")

    with pytest.raises(InvalidSlug):
        await world.use.create_organisation(ada.id, "Acme", slug=slug)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ünïcode Café", "unicode-cafe"),
        ("  Hello,  World!  ", "hello-world"),
        ("日本", "organisation"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["   ", "a\r\nBcc: x@example.com", "x" * 201])
async def test_invalid_name_is_rejected(world: OrganisationWorld, name: str) -> None:
    ada = await world.user("ada@example.com")

    with pytest.raises(ValidationFailed):
        await world.use.create_organisation(ada.id, name)


async def test_non_member_sees_not_found(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    eve = await world.user("eve@example.com")
    organisation_id = await world.organisation(ada)

    with pytest.raises(OrganisationNotFound):
        await world.use.get_organisation(eve.id, organisation_id)
    with pytest.raises(OrganisationNotFound):
        await world.use.get_organisation(eve.id, uuid.uuid4())


async def test_member_reads_but_cannot_update(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.MEMBER)

    found = await world.use.get_organisation(bob.id, organisation_id)

    assert found.role is Role.MEMBER
    with pytest.raises(PermissionDenied):
        await world.use.update_organisation(bob.id, organisation_id, name="Renamed")


async def test_admin_updates_name_slug_and_settings(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    alan = await world.user("alan@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, alan, Role.ADMIN)
    await world.use.update_organisation(ada.id, organisation_id, settings={"plan": "free", "x": 1})

    updated = await world.use.update_organisation(
        alan.id,
        organisation_id,
        name="Renamed",
        slug="renamed",
        settings={"plan": "pro", "x": None},
    )

    assert updated.organisation.name == "Renamed"
    assert updated.organisation.slug == "renamed"
    assert updated.organisation.settings == {"plan": "pro"}


async def test_only_owner_deletes(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    alan = await world.user("alan@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, alan, Role.ADMIN)

    with pytest.raises(PermissionDenied):
        await world.use.delete_organisation(alan.id, organisation_id)
    await world.use.delete_organisation(ada.id, organisation_id)

    with pytest.raises(OrganisationNotFound):
        await world.use.get_organisation(ada.id, organisation_id)
    assert await world.role_of(organisation_id, alan) is None


async def test_last_owner_cannot_leave(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    organisation_id = await world.organisation(ada)

    with pytest.raises(LastOwnerError):
        await world.use.leave_organisation(ada.id, organisation_id)
    with pytest.raises(LastOwnerError):
        await world.use.remove_member(ada.id, organisation_id, ada.id)

    assert await world.role_of(organisation_id, ada) is Role.OWNER


async def test_owner_leaves_when_another_owner_remains(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    grace = await world.user("grace@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, grace, Role.OWNER)

    await world.use.leave_organisation(ada.id, organisation_id)

    assert await world.role_of(organisation_id, ada) is None


async def test_member_may_leave(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.MEMBER)

    await world.use.leave_organisation(bob.id, organisation_id)

    assert await world.role_of(organisation_id, bob) is None


def test_last_owner_cannot_be_demoted() -> None:
    organisation_id = uuid.uuid4()
    actor = Membership.start(organisation_id, uuid.uuid4(), Role.OWNER, NOW)
    target = Membership.start(organisation_id, uuid.uuid4(), Role.OWNER, NOW)

    with pytest.raises(LastOwnerError):
        check_role_change(actor, target, Role.ADMIN, owners=1)
    check_role_change(actor, target, Role.ADMIN, owners=2)


async def test_nobody_changes_own_role(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    grace = await world.user("grace@example.com")
    alan = await world.user("alan@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, grace, Role.OWNER)
    await world.join(organisation_id, alan, Role.ADMIN)

    with pytest.raises(OwnRoleChange):
        await world.use.change_member_role(ada.id, organisation_id, ada.id, Role.ADMIN)
    with pytest.raises(OwnRoleChange):
        await world.use.change_member_role(alan.id, organisation_id, alan.id, Role.MEMBER)


async def test_owner_grants_and_revokes_owner(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.MEMBER)

    await world.use.change_member_role(ada.id, organisation_id, bob.id, Role.OWNER)
    assert await world.role_of(organisation_id, bob) is Role.OWNER
    await world.use.change_member_role(ada.id, organisation_id, bob.id, Role.ADMIN)

    assert await world.role_of(organisation_id, bob) is Role.ADMIN


async def test_admin_manages_members_and_admins(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    alan = await world.user("alan@example.com")
    bob = await world.user("bob@example.com")
    carl = await world.user("carl@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, alan, Role.ADMIN)
    await world.join(organisation_id, bob, Role.MEMBER)
    await world.join(organisation_id, carl, Role.ADMIN)

    await world.use.change_member_role(alan.id, organisation_id, bob.id, Role.ADMIN)
    await world.use.change_member_role(alan.id, organisation_id, carl.id, Role.MEMBER)
    await world.use.remove_member(alan.id, organisation_id, carl.id)

    assert await world.role_of(organisation_id, bob) is Role.ADMIN
    assert await world.role_of(organisation_id, carl) is None


async def test_admin_never_touches_owners(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    alan = await world.user("alan@example.com")
    bob = await world.user("bob@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, alan, Role.ADMIN)
    await world.join(organisation_id, bob, Role.MEMBER)

    with pytest.raises(PermissionDenied):
        await world.use.change_member_role(alan.id, organisation_id, ada.id, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        await world.use.remove_member(alan.id, organisation_id, ada.id)
    with pytest.raises(RoleAboveOwn):
        await world.use.change_member_role(alan.id, organisation_id, bob.id, Role.OWNER)
    with pytest.raises(PermissionDenied):
        await world.use.transfer_ownership(alan.id, organisation_id, bob.id)

    assert await world.role_of(organisation_id, ada) is Role.OWNER
    assert await world.role_of(organisation_id, bob) is Role.MEMBER


async def test_member_cannot_change_roles_or_remove(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    carl = await world.user("carl@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.MEMBER)
    await world.join(organisation_id, carl, Role.MEMBER)

    with pytest.raises(PermissionDenied):
        await world.use.change_member_role(bob.id, organisation_id, carl.id, Role.MEMBER)
    with pytest.raises(PermissionDenied):
        await world.use.remove_member(bob.id, organisation_id, carl.id)


async def test_owner_removes_other_owner(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    grace = await world.user("grace@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, grace, Role.OWNER)

    await world.use.remove_member(ada.id, organisation_id, grace.id)

    assert await world.role_of(organisation_id, grace) is None


async def test_unknown_member_is_not_found(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    organisation_id = await world.organisation(ada)

    with pytest.raises(MemberNotFound):
        await world.use.change_member_role(ada.id, organisation_id, uuid.uuid4(), Role.ADMIN)
    with pytest.raises(MemberNotFound):
        await world.use.remove_member(ada.id, organisation_id, uuid.uuid4())


async def test_transfer_ownership_swaps_roles(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.MEMBER)

    await world.use.transfer_ownership(ada.id, organisation_id, bob.id)

    assert await world.role_of(organisation_id, bob) is Role.OWNER
    assert await world.role_of(organisation_id, ada) is Role.ADMIN


async def test_transfer_to_self_or_stranger_fails(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    eve = await world.user("eve@example.com")
    organisation_id = await world.organisation(ada)

    with pytest.raises(ValidationFailed):
        await world.use.transfer_ownership(ada.id, organisation_id, ada.id)
    with pytest.raises(MemberNotFound):
        await world.use.transfer_ownership(ada.id, organisation_id, eve.id)
    assert await world.role_of(organisation_id, ada) is Role.OWNER


async def test_removed_member_loses_access_at_once(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.ADMIN)

    await world.use.remove_member(ada.id, organisation_id, bob.id)

    with pytest.raises(OrganisationNotFound):
        await world.use.list_members(bob.id, organisation_id)


async def test_list_my_organisations_with_roles(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    acme = await world.organisation(ada, "Acme")
    await world.organisation(bob, "Bobs")
    await world.join(acme, bob, Role.ADMIN)

    mine = await world.use.list_my_organisations(bob.id)

    assert [(entry.organisation.name, entry.role) for entry in mine] == [
        ("Acme", Role.ADMIN),
        ("Bobs", Role.OWNER),
    ]


async def test_member_pages_cover_everyone_once(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com", "Ada")
    organisation_id = await world.organisation(ada)
    for number in range(7):
        await world.join(
            organisation_id, await world.user(f"user{number}@example.com"), Role.MEMBER
        )

    seen: list[str] = []
    cursor = None
    while True:
        page = await world.use.list_members(
            ada.id, organisation_id, limit=3, cursor=cursor, order=MemberOrder.EMAIL
        )
        seen.extend(member.email for member in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 8


async def test_cursor_of_other_order_is_rejected(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, await world.user("bob@example.com"), Role.MEMBER)
    page = await world.use.list_members(ada.id, organisation_id, limit=1)
    assert page.next_cursor is not None

    with pytest.raises(InvalidCursor):
        await world.use.list_members(
            ada.id, organisation_id, cursor=page.next_cursor, order=MemberOrder.EMAIL
        )
    with pytest.raises(InvalidCursor):
        await world.use.list_members(ada.id, organisation_id, cursor="not a cursor!")


@pytest.mark.parametrize("limit", [0, 101])
async def test_page_size_is_bounded(world: OrganisationWorld, limit: int) -> None:
    ada = await world.user("ada@example.com")
    organisation_id = await world.organisation(ada)

    with pytest.raises(ValidationFailed):
        await world.use.list_members(ada.id, organisation_id, limit=limit)


async def test_transfer_to_self_checks_role_first(world: OrganisationWorld) -> None:
    ada = await world.user("ada@example.com")
    bob = await world.user("bob@example.com")
    eve = await world.user("eve@example.com")
    organisation_id = await world.organisation(ada)
    await world.join(organisation_id, bob, Role.ADMIN)

    with pytest.raises(PermissionDenied):
        await world.use.transfer_ownership(bob.id, organisation_id, bob.id)
    with pytest.raises(OrganisationNotFound):
        await world.use.transfer_ownership(eve.id, organisation_id, eve.id)
