"""Tenant access checks shared by every organisation use case.

Access is decided from the membership stored in the database, never from the
claims of an access token, so a removed member loses access at once.
"""

from __future__ import annotations

import uuid

from elenchos.application.ports import UnitOfWork
from elenchos.domain.errors import OrganisationNotFound
from elenchos.domain.organisations import Membership
from elenchos.domain.roles import Permission, require_permission


async def membership_of(
    uow: UnitOfWork, organisation_id: uuid.UUID, user_id: uuid.UUID
) -> Membership:
    """Return the user's membership; raises OrganisationNotFound when there is none.

    A missing organisation and one the user does not belong to raise the same
    error, so an organisation id reveals nothing to outsiders.
    """
    membership = await uow.memberships.get(organisation_id, user_id)
    if membership is None:
        raise OrganisationNotFound("No organisation with this id exists among yours.")
    return membership


async def authorize(
    uow: UnitOfWork, organisation_id: uuid.UUID, user_id: uuid.UUID, permission: Permission
) -> Membership:
    """Return the user's membership if its role grants the permission.

    Raises OrganisationNotFound for non-members and PermissionDenied for
    members whose role lacks the permission.
    """
    membership = await membership_of(uow, organisation_id, user_id)
    require_permission(membership.role, permission)
    return membership
