"""Organisations (the tenants) and memberships, with the rules that keep an owner."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elenchos.domain.errors import (
    InvalidSlug,
    LastOwnerError,
    OwnRoleChange,
    ValidationFailed,
)
from elenchos.domain.roles import (
    Permission,
    Role,
    require_can_grant,
    require_can_manage,
    require_permission,
)

NAME_MAX_LENGTH = 200
SLUG_MAX_LENGTH = 63
# Generated slugs leave room for the random suffix added on a collision.
GENERATED_SLUG_MAX_LENGTH = 48
FALLBACK_SLUG = "organisation"

_SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_NOT_SLUG_CHARACTERS = re.compile(r"[^a-z0-9]+")


def check_slug(slug: str) -> str:
    """Return the slug when it is usable in a URL; raises InvalidSlug otherwise."""
    if len(slug) > SLUG_MAX_LENGTH or not _SLUG_PATTERN.match(slug) or "--" in slug:
        raise InvalidSlug(
            f"The slug {slug[:SLUG_MAX_LENGTH]!r} must be 1 to {SLUG_MAX_LENGTH} lowercase "
            "letters, digits and single hyphens, starting and ending with a letter or digit."
        )
    return slug


def slugify(name: str) -> str:
    """Derive a slug from a name: ASCII letters and digits joined by single hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG_CHARACTERS.sub("-", ascii_name.lower()).strip("-")
    slug = slug[:GENERATED_SLUG_MAX_LENGTH].rstrip("-")
    return slug or FALLBACK_SLUG


def check_name(name: str) -> str:
    """Return the trimmed name; raises ValidationFailed when it is empty, too long or has
    control characters."""
    trimmed = name.strip()
    if not trimmed:
        raise ValidationFailed("The organisation name must not be empty.")
    if len(trimmed) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            f"The organisation name must be at most {NAME_MAX_LENGTH} characters."
        )
    # The name appears in mail subjects, where a line break could inject a header.
    if not trimmed.isprintable():
        raise ValidationFailed("The organisation name must not contain control characters.")
    return trimmed


@dataclass(slots=True)
class Organisation:
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    updated_at: datetime
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls, name: str, slug: str, now: datetime, settings: dict[str, Any] | None = None
    ) -> Organisation:
        return cls(
            id=uuid.uuid4(),
            name=check_name(name),
            slug=check_slug(slug),
            created_at=now,
            updated_at=now,
            settings=dict(settings or {}),
        )

    def rename(self, name: str, now: datetime) -> None:
        self.name = check_name(name)
        self.updated_at = now

    def change_slug(self, slug: str, now: datetime) -> None:
        self.slug = check_slug(slug)
        self.updated_at = now

    def update_settings(self, changes: dict[str, Any], now: datetime) -> None:
        """Merge the given keys into settings; a None value deletes a key."""
        merged = dict(self.settings)
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        self.settings = merged
        self.updated_at = now


@dataclass(slots=True)
class Membership:
    id: uuid.UUID
    organisation_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    joined_at: datetime
    # The user who sent the accepted invitation. It keeps that id after the
    # inviter leaves the organisation; None for the founding owner.
    invited_by: uuid.UUID | None = None

    @classmethod
    def start(
        cls,
        organisation_id: uuid.UUID,
        user_id: uuid.UUID,
        role: Role,
        now: datetime,
        invited_by: uuid.UUID | None = None,
    ) -> Membership:
        return cls(
            id=uuid.uuid4(),
            organisation_id=organisation_id,
            user_id=user_id,
            role=role,
            joined_at=now,
            invited_by=invited_by,
        )


def check_role_change(actor: Membership, target: Membership, new_role: Role, owners: int) -> None:
    """Raise unless actor may give target the new role; owners is the organisation's owner count.

    Raises OwnRoleChange, PermissionDenied, RoleAboveOwn or LastOwnerError.
    """
    if actor.user_id == target.user_id:
        raise OwnRoleChange(
            "Members cannot change their own role. Ask another owner or admin to change it."
        )
    require_permission(actor.role, Permission.CHANGE_MEMBER_ROLES)
    require_can_manage(actor.role, target.role)
    require_can_grant(actor.role, new_role)
    if target.role is Role.OWNER and new_role is not Role.OWNER:
        check_keeps_an_owner(owners)


def check_removal(actor: Membership, target: Membership, owners: int) -> None:
    """Raise unless actor may remove target from the organisation.

    Raises PermissionDenied or LastOwnerError.
    """
    require_permission(actor.role, Permission.REMOVE_MEMBERS)
    require_can_manage(actor.role, target.role)
    if target.role is Role.OWNER:
        check_keeps_an_owner(owners)


def check_departure(leaving: Membership, owners: int) -> None:
    """Raise LastOwnerError when the last owner tries to leave."""
    if leaving.role is Role.OWNER:
        check_keeps_an_owner(owners)


def check_keeps_an_owner(owners: int) -> None:
    """Raise LastOwnerError when losing one owner would leave none."""
    if owners <= 1:
        raise LastOwnerError(
            "The organisation must keep at least one owner. Transfer ownership or "
            "delete the organisation first."
        )
