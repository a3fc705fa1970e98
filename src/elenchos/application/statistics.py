"""Statistics use cases: an organisation's counts, its roles, and my organisations by role.

Every number comes from an aggregate query of the repository, so the cost
does not grow with the rows loaded into Python.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from elenchos.application.access import authorize
from elenchos.application.ports import Clock, UnitOfWorkFactory
from elenchos.application.read_models import MyOrganisation
from elenchos.domain.roles import ROLE_DEFINITIONS, Permission, Role, RoleDefinition

RECENT_WINDOWS = (timedelta(days=7), timedelta(days=30))


@dataclass(frozen=True, slots=True)
class OrganisationStatistics:
    total_members: int
    members_by_role: dict[Role, int]
    pending_invitations_by_role: dict[Role, int]
    joined_last_7_days: int
    joined_last_30_days: int


@dataclass(frozen=True, slots=True)
class RoleSummary:
    definition: RoleDefinition
    member_count: int


@dataclass(frozen=True, slots=True)
class MyStatistics:
    total_organisations: int
    organisations_by_role: dict[Role, int]
    organisations: dict[Role, list[MyOrganisation]]


class GetOrganisationStatistics:
    """Count an organisation's members, pending invitations and recent joins.

    Raises OrganisationNotFound or PermissionDenied.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> OrganisationStatistics:
        now = self._clock.now()
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, Permission.READ_STATISTICS)
            members = await uow.memberships.count_by_role(organisation_id)
            pending = await uow.invitations.count_pending_by_role(organisation_id, now)
            last_7, last_30 = await uow.memberships.count_joined_since(
                organisation_id, [now - window for window in RECENT_WINDOWS]
            )
        return OrganisationStatistics(
            total_members=sum(members.values()),
            members_by_role=_every_role(members),
            pending_invitations_by_role=_every_role(pending),
            joined_last_7_days=last_7,
            joined_last_30_days=last_30,
        )


class GetOrganisationRoles:
    """List each role with its permissions and how many members hold it.

    Raises OrganisationNotFound or PermissionDenied.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID, organisation_id: uuid.UUID) -> list[RoleSummary]:
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, Permission.READ_MEMBERS)
            counts = await uow.memberships.count_by_role(organisation_id)
        return [
            RoleSummary(definition, counts.get(definition.role, 0))
            for definition in ROLE_DEFINITIONS
        ]


class GetMyStatistics:
    """Count and list the user's organisations grouped by the user's role in each."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID) -> MyStatistics:
        async with self._uow() as uow:
            counts = await uow.memberships.count_by_role_for_user(user_id)
            mine = await uow.memberships.list_for_user(user_id)
        grouped: dict[Role, list[MyOrganisation]] = {role: [] for role in Role}
        for entry in mine:
            grouped[entry.role].append(entry)
        return MyStatistics(
            total_organisations=sum(counts.values()),
            organisations_by_role=_every_role(counts),
            organisations=grouped,
        )


def _every_role(counts: dict[Role, int]) -> dict[Role, int]:
    return {role: counts.get(role, 0) for role in Role}
