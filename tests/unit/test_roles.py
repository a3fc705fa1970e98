"""The permission matrix and the rules that compare roles."""

from __future__ import annotations

import pytest

from elenchos.domain.errors import PermissionDenied, RoleAboveOwn
from elenchos.domain.roles import (
    ROLE_DEFINITIONS,
    Permission,
    Role,
    permissions_of,
    require_can_grant,
    require_can_manage,
    require_permission,
)


def test_roles_are_ordered_owner_admin_member() -> None:
    assert Role.OWNER.rank > Role.ADMIN.rank > Role.MEMBER.rank
    assert [definition.role for definition in ROLE_DEFINITIONS] == [
        Role.OWNER,
        Role.ADMIN,
        Role.MEMBER,
    ]


def test_each_role_has_every_permission_of_lower_roles() -> None:
    assert permissions_of(Role.MEMBER) < permissions_of(Role.ADMIN)
    assert permissions_of(Role.ADMIN) < permissions_of(Role.OWNER)


def test_members_only_read() -> None:
    assert permissions_of(Role.MEMBER) == {
        Permission.READ_ORGANISATION,
        Permission.READ_MEMBERS,
        Permission.READ_STATISTICS,
    }


@pytest.mark.parametrize(
    "permission",
    [Permission.DELETE_ORGANISATION, Permission.TRANSFER_OWNERSHIP, Permission.MANAGE_OWNERS],
)
def test_owner_only_permissions(permission: Permission) -> None:
    require_permission(Role.OWNER, permission)

    with pytest.raises(PermissionDenied):
        require_permission(Role.ADMIN, permission)
    with pytest.raises(PermissionDenied):
        require_permission(Role.MEMBER, permission)


@pytest.mark.parametrize(
    "permission",
    [
        Permission.INVITE_MEMBERS,
        Permission.MANAGE_INVITATIONS,
        Permission.CHANGE_MEMBER_ROLES,
        Permission.REMOVE_MEMBERS,
        Permission.UPDATE_ORGANISATION,
    ],
)
def test_admin_permissions_denied_to_members(permission: Permission) -> None:
    require_permission(Role.ADMIN, permission)

    with pytest.raises(PermissionDenied):
        require_permission(Role.MEMBER, permission)


@pytest.mark.parametrize(
    ("actor", "granted", "allowed"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.OWNER, Role.ADMIN, True),
        (Role.OWNER, Role.MEMBER, True),
        (Role.ADMIN, Role.OWNER, False),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.MEMBER, True),
        (Role.MEMBER, Role.ADMIN, False),
    ],
)
def test_nobody_grants_above_own_role(actor: Role, granted: Role, allowed: bool) -> None:
    if allowed:
        require_can_grant(actor, granted)
    else:
        with pytest.raises(RoleAboveOwn):
            require_can_grant(actor, granted)


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (Role.OWNER, Role.OWNER, True),
        (Role.ADMIN, Role.OWNER, False),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.ADMIN, Role.MEMBER, True),
    ],
)
def test_only_owners_manage_owners(actor: Role, target: Role, allowed: bool) -> None:
    if allowed:
        require_can_manage(actor, target)
    else:
        with pytest.raises(PermissionDenied):
            require_can_manage(actor, target)
