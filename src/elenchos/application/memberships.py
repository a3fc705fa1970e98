"""Membership use cases: list members, change a role, remove, leave, transfer ownership."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from elenchos.application.access import authorize, membership_of
from elenchos.application.accounts import ClientInfo
from elenchos.application.audit import record_event
from elenchos.application.pagination import check_limit, decode_member_cursor, encode_member_cursor
from elenchos.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from elenchos.application.read_models import (
    MemberDetails,
    MemberOrder,
    MemberPosition,
    MemberQuery,
)
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import MemberNotFound, ValidationFailed
from elenchos.domain.organisations import (
    Membership,
    check_departure,
    check_removal,
    check_role_change,
)
from elenchos.domain.roles import Permission, Role

logger = logging.getLogger(__name__)

SEARCH_MAX_LENGTH = 320


@dataclass(frozen=True, slots=True)
class MemberPage:
    items: list[MemberDetails]
    next_cursor: str | None


class ListMembers:
    """List an organisation's members a page at a time, optionally by role or name prefix.

    Raises OrganisationNotFound, PermissionDenied, InvalidCursor or ValidationFailed.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        limit: int | None = None,
        cursor: str | None = None,
        order: MemberOrder = MemberOrder.JOINED_AT,
        role: Role | None = None,
        search: str | None = None,
    ) -> MemberPage:
        page_size = check_limit(limit)
        query = MemberQuery(
            organisation_id=organisation_id,
            # Fetching one row more than the page shows whether another page follows.
            limit=page_size + 1,
            order=order,
            role=role,
            search=_search_prefix(search),
            after=decode_member_cursor(order, cursor) if cursor else None,
        )
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, Permission.READ_MEMBERS)
            rows = await uow.memberships.list_members(query)
        items = rows[:page_size]
        next_cursor = None
        if len(rows) > page_size:
            last = items[-1]
            position = MemberPosition(last.joined_at, last.email_normalized, last.user_id)
            next_cursor = encode_member_cursor(order, position)
        return MemberPage(items=items, next_cursor=next_cursor)


class ChangeMemberRole:
    """Give a member another role.

    Raises OrganisationNotFound, MemberNotFound, OwnRoleChange, PermissionDenied,
    RoleAboveOwn or LastOwnerError.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        member_id: uuid.UUID,
        role: Role,
        client: ClientInfo | None = None,
    ) -> Membership:
        async with self._uow() as uow:
            await uow.organisations.lock(organisation_id)
            actor = await membership_of(uow, organisation_id, user_id)
            target = await _member(uow, organisation_id, member_id)
            check_role_change(actor, target, role, await _owner_count(uow, organisation_id))
            previous_role = target.role
            target.role = role
            await uow.memberships.update(target)
            await record_event(
                uow,
                SecurityEventType.ROLE_CHANGED,
                self._clock.now(),
                client,
                actor_user_id=user_id,
                subject_user_id=member_id,
                organisation_id=organisation_id,
                details={"role": role.value, "previous_role": previous_role.value},
            )
            await uow.commit()
        logger.info(
            "member role changed: organisation_id=%s member_id=%s role=%s by user_id=%s",
            organisation_id,
            member_id,
            role,
            user_id,
        )
        return target


class RemoveMember:
    """Remove a member from an organisation; removing oneself is leaving.

    Raises OrganisationNotFound, MemberNotFound, PermissionDenied or LastOwnerError.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        member_id: uuid.UUID,
        client: ClientInfo | None = None,
    ) -> None:
        async with self._uow() as uow:
            await uow.organisations.lock(organisation_id)
            actor = await membership_of(uow, organisation_id, user_id)
            target = await _member(uow, organisation_id, member_id)
            owners = await _owner_count(uow, organisation_id)
            leaving = target.user_id == actor.user_id
            if leaving:
                check_departure(target, owners)
            else:
                check_removal(actor, target, owners)
            await uow.memberships.delete(target)
            await record_event(
                uow,
                SecurityEventType.MEMBER_LEFT if leaving else SecurityEventType.MEMBER_REMOVED,
                self._clock.now(),
                client,
                actor_user_id=user_id,
                subject_user_id=member_id,
                organisation_id=organisation_id,
                details={"role": target.role.value},
            )
            await uow.commit()
        logger.info(
            "member removed: organisation_id=%s member_id=%s by user_id=%s",
            organisation_id,
            member_id,
            user_id,
        )


class LeaveOrganisation:
    """Leave an organisation; raises OrganisationNotFound or LastOwnerError."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID, client: ClientInfo | None = None
    ) -> None:
        async with self._uow() as uow:
            await uow.organisations.lock(organisation_id)
            membership = await membership_of(uow, organisation_id, user_id)
            check_departure(membership, await _owner_count(uow, organisation_id))
            await uow.memberships.delete(membership)
            await record_event(
                uow,
                SecurityEventType.MEMBER_LEFT,
                self._clock.now(),
                client,
                actor_user_id=user_id,
                subject_user_id=user_id,
                organisation_id=organisation_id,
                details={"role": membership.role.value},
            )
            await uow.commit()
        logger.info("member left: organisation_id=%s user_id=%s", organisation_id, user_id)


class TransferOwnership:
    """Make another member an owner and the current owner an admin, in one transaction.

    Raises OrganisationNotFound, PermissionDenied, MemberNotFound or
    ValidationFailed when the owner names themselves.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        new_owner_id: uuid.UUID,
        client: ClientInfo | None = None,
    ) -> None:
        async with self._uow() as uow:
            await uow.organisations.lock(organisation_id)
            # Authorization comes first, so a non-member gets 404 and an admin
            # 403 whatever user id the body names.
            actor = await authorize(uow, organisation_id, user_id, Permission.TRANSFER_OWNERSHIP)
            if new_owner_id == user_id:
                raise ValidationFailed("Ownership can only be transferred to another member.")
            new_owner = await _member(uow, organisation_id, new_owner_id)
            new_owner.role = Role.OWNER
            actor.role = Role.ADMIN
            await uow.memberships.update(new_owner)
            await uow.memberships.update(actor)
            await record_event(
                uow,
                SecurityEventType.OWNERSHIP_TRANSFERRED,
                self._clock.now(),
                client,
                actor_user_id=user_id,
                subject_user_id=new_owner_id,
                organisation_id=organisation_id,
            )
            await uow.commit()
        logger.info(
            "ownership transferred: organisation_id=%s from user_id=%s to user_id=%s",
            organisation_id,
            user_id,
            new_owner_id,
        )


async def _member(uow: UnitOfWork, organisation_id: uuid.UUID, member_id: uuid.UUID) -> Membership:
    membership = await uow.memberships.get(organisation_id, member_id)
    if membership is None:
        raise MemberNotFound("No member with this user id in the organisation.")
    return membership


async def _owner_count(uow: UnitOfWork, organisation_id: uuid.UUID) -> int:
    counts = await uow.memberships.count_by_role(organisation_id)
    return counts.get(Role.OWNER, 0)


def _search_prefix(search: str | None) -> str | None:
    if search is None:
        return None
    prefix = search.strip().casefold()
    if len(prefix) > SEARCH_MAX_LENGTH:
        raise ValidationFailed(f"The search must be at most {SEARCH_MAX_LENGTH} characters.")
    return prefix or None
