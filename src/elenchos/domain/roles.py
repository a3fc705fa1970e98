"""Roles and the permission matrix: the single source of truth for who may do what.

Roles are ordered owner > admin > member. Use cases check permissions here and
GET /v1/roles serves the same matrix, so documentation and enforcement agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from elenchos.domain.errors import PermissionDenied, RoleAboveOwn


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        """Position in the order owner > admin > member; a higher rank outranks a lower."""
        return _RANKS[self]


_RANKS = {Role.OWNER: 3, Role.ADMIN: 2, Role.MEMBER: 1}


class Permission(enum.StrEnum):
    READ_ORGANISATION = "organisation:read"
    UPDATE_ORGANISATION = "organisation:update"
    DELETE_ORGANISATION = "organisation:delete"
    TRANSFER_OWNERSHIP = "organisation:transfer_ownership"
    READ_MEMBERS = "members:read"
    CHANGE_MEMBER_ROLES = "members:change_role"
    REMOVE_MEMBERS = "members:remove"
    MANAGE_OWNERS = "owners:manage"
    READ_STATISTICS = "statistics:read"
    INVITE_MEMBERS = "invitations:create"
    MANAGE_INVITATIONS = "invitations:manage"
    READ_AUDIT_LOG = "audit_log:read"


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    role: Role
    description: str
    permissions: frozenset[Permission]


_MEMBER_PERMISSIONS = frozenset(
    {Permission.READ_ORGANISATION, Permission.READ_MEMBERS, Permission.READ_STATISTICS}
)
_ADMIN_PERMISSIONS = _MEMBER_PERMISSIONS | {
    Permission.UPDATE_ORGANISATION,
    Permission.CHANGE_MEMBER_ROLES,
    Permission.REMOVE_MEMBERS,
    Permission.INVITE_MEMBERS,
    Permission.MANAGE_INVITATIONS,
    Permission.READ_AUDIT_LOG,
}
_OWNER_PERMISSIONS = _ADMIN_PERMISSIONS | {
    Permission.DELETE_ORGANISATION,
    Permission.TRANSFER_OWNERSHIP,
    Permission.MANAGE_OWNERS,
}

# Ordered from the highest role to the lowest.
ROLE_DEFINITIONS: tuple[RoleDefinition, ...] = (
    RoleDefinition(
        Role.OWNER,
        "Full control: everything an admin can do, plus granting and revoking the owner "
        "role, transferring ownership and deleting the organisation.",
        _OWNER_PERMISSIONS,
    ),
    RoleDefinition(
        Role.ADMIN,
        "Manages people: updates the organisation, invites members and admins, and "
        "changes the role of or removes members and admins, never owners.",
        _ADMIN_PERMISSIONS,
    ),
    RoleDefinition(
        Role.MEMBER,
        "Reads the organisation, its members and its statistics.",
        _MEMBER_PERMISSIONS,
    ),
)

_DEFINITIONS = {definition.role: definition for definition in ROLE_DEFINITIONS}


def permissions_of(role: Role) -> frozenset[Permission]:
    return _DEFINITIONS[role].permissions


def require_permission(role: Role, permission: Permission) -> None:
    """Raise PermissionDenied unless the role grants the permission."""
    if permission not in permissions_of(role):
        raise PermissionDenied(f"The {role} role does not allow {permission}.")


def require_can_grant(actor: Role, granted: Role) -> None:
    """Raise unless the actor may give someone the granted role.

    A role ranking above the actor's own is never granted, and only owners grant
    the owner role.
    """
    if granted.rank > actor.rank:
        raise RoleAboveOwn(
            f"The {actor} role cannot grant the {granted} role, which ranks above it."
        )
    if granted is Role.OWNER:
        require_permission(actor, Permission.MANAGE_OWNERS)


def require_can_manage(actor: Role, target: Role) -> None:
    """Raise PermissionDenied unless the actor may change or remove someone holding target.

    Admins manage members and admins; only owners manage owners.
    """
    if target is Role.OWNER:
        require_permission(actor, Permission.MANAGE_OWNERS)
    elif target.rank > actor.rank:
        raise PermissionDenied(f"The {actor} role cannot manage a member with the {target} role.")
