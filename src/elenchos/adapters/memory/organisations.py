"""In-memory organisation, membership and invitation repositories.

They run the same queries as the SQL repositories, in Python over the
visible rows: the same filters, orderings, keyset positions and counts.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elenchos.adapters.memory.database import InMemoryDatabase, Transaction, UniqueIndex
from elenchos.adapters.memory.repositories import USERS
from elenchos.application.read_models import (
    InvitationQuery,
    MemberDetails,
    MemberOrder,
    MemberQuery,
    MyOrganisation,
)
from elenchos.domain.errors import AlreadyMember, InvitationPending, SlugTaken
from elenchos.domain.invitations import Invitation, InvitationState, InvitationStatus
from elenchos.domain.organisations import Membership, Organisation
from elenchos.domain.roles import Role
from elenchos.domain.users import User

ORGANISATIONS = "organisations"
MEMBERSHIPS = "memberships"
INVITATIONS = "invitations"


def register_organisation_indexes(database: InMemoryDatabase) -> None:
    database.add_unique_index(
        ORGANISATIONS,
        UniqueIndex(
            key=lambda organisation: organisation.slug,
            error=lambda: SlugTaken("Another organisation already uses this slug."),
        ),
    )
    database.add_unique_index(
        MEMBERSHIPS,
        UniqueIndex(
            key=lambda membership: (membership.organisation_id, membership.user_id),
            error=lambda: AlreadyMember("The user is already a member of the organisation."),
        ),
    )
    database.add_unique_index(
        INVITATIONS,
        UniqueIndex(
            key=_pending_address,
            error=lambda: InvitationPending(
                "The address already has a pending invitation to the organisation."
            ),
        ),
    )


def _pending_address(invitation: Invitation) -> tuple[uuid.UUID, str] | None:
    if invitation.status is not InvitationStatus.PENDING:
        return None
    return (invitation.organisation_id, invitation.email_normalized)


class InMemoryOrganisationRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, organisation: Organisation) -> None:
        self._transaction.put(ORGANISATIONS, organisation.id, organisation)

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        organisation: Organisation | None = self._transaction.get(ORGANISATIONS, organisation_id)
        return organisation

    async def get_by_slug(self, slug: str) -> Organisation | None:
        for organisation in self._transaction.scan(ORGANISATIONS):
            if organisation.slug == slug:
                found: Organisation = organisation
                return found
        return None

    async def lock(self, organisation_id: uuid.UUID) -> None:
        # NOTE: the in-memory database has no row locks; a commit applies all
        # its writes without awaiting, which is as close as it gets.
        return None

    async def update(self, organisation: Organisation) -> None:
        self._transaction.put(ORGANISATIONS, organisation.id, organisation)

    async def delete(self, organisation_id: uuid.UUID) -> None:
        # The SQL schema cascades these deletes through foreign keys.
        for table in (MEMBERSHIPS, INVITATIONS):
            for row in self._transaction.scan(table):
                if row.organisation_id == organisation_id:
                    self._transaction.delete(table, row.id)
        self._transaction.delete(ORGANISATIONS, organisation_id)


class InMemoryMembershipRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, membership: Membership) -> None:
        self._transaction.put(MEMBERSHIPS, membership.id, membership)

    async def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        for membership in self._of_organisation(organisation_id):
            if membership.user_id == user_id:
                return membership
        return None

    async def update(self, membership: Membership) -> None:
        self._transaction.put(MEMBERSHIPS, membership.id, membership)

    async def delete(self, membership: Membership) -> None:
        self._transaction.delete(MEMBERSHIPS, membership.id)

    async def count_by_role(self, organisation_id: uuid.UUID) -> dict[Role, int]:
        return dict(Counter(m.role for m in self._of_organisation(organisation_id)))

    async def count_joined_since(
        self, organisation_id: uuid.UUID, cutoffs: Sequence[datetime]
    ) -> list[int]:
        memberships = list(self._of_organisation(organisation_id))
        return [sum(1 for m in memberships if m.joined_at >= cutoff) for cutoff in cutoffs]

    async def list_members(self, query: MemberQuery) -> list[MemberDetails]:
        users = {user.id: user for user in self._transaction.scan(USERS)}
        members = [
            _details(membership, users[membership.user_id])
            for membership in self._of_organisation(query.organisation_id)
            if query.role is None or membership.role is query.role
        ]
        if query.search is not None:
            members = [member for member in members if _matches(member, query.search)]
        key = _member_sort_key(query.order)
        members.sort(key=key)
        if query.after is not None:
            position = key(query.after)
            members = [member for member in members if key(member) > position]
        return members[: query.limit]

    async def list_for_user(self, user_id: uuid.UUID) -> list[MyOrganisation]:
        mine = []
        for membership in self._transaction.scan(MEMBERSHIPS):
            if membership.user_id != user_id:
                continue
            organisation = self._transaction.get(ORGANISATIONS, membership.organisation_id)
            assert organisation is not None, "a membership outlived its organisation"
            mine.append(MyOrganisation(organisation, membership.role, membership.joined_at))
        mine.sort(key=lambda entry: (entry.organisation.name, entry.organisation.id))
        return mine

    async def count_by_role_for_user(self, user_id: uuid.UUID) -> dict[Role, int]:
        roles = (m.role for m in self._transaction.scan(MEMBERSHIPS) if m.user_id == user_id)
        return dict(Counter(roles))

    def _of_organisation(self, organisation_id: uuid.UUID) -> list[Membership]:
        return [
            membership
            for membership in self._transaction.scan(MEMBERSHIPS)
            if membership.organisation_id == organisation_id
        ]


class InMemoryInvitationRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    async def add(self, invitation: Invitation) -> None:
        self._transaction.put(INVITATIONS, invitation.id, invitation)

    async def get(self, organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation | None:
        invitation: Invitation | None = self._transaction.get(INVITATIONS, invitation_id)
        if invitation is None or invitation.organisation_id != organisation_id:
            return None
        return invitation

    async def get_by_token_hash(self, token_hash: str) -> Invitation | None:
        for invitation in self._transaction.scan(INVITATIONS):
            if invitation.token_hash == token_hash:
                found: Invitation = invitation
                return found
        return None

    async def get_pending(
        self, organisation_id: uuid.UUID, email_normalized: str
    ) -> Invitation | None:
        for invitation in self._transaction.scan(INVITATIONS):
            if _pending_address(invitation) == (organisation_id, email_normalized):
                found: Invitation = invitation
                return found
        return None

    async def update(self, invitation: Invitation) -> None:
        self._transaction.put(INVITATIONS, invitation.id, invitation)

    async def list_page(self, query: InvitationQuery) -> list[Invitation]:
        invitations = [
            invitation
            for invitation in self._transaction.scan(INVITATIONS)
            if invitation.organisation_id == query.organisation_id
            and (query.state is None or invitation.state(query.now) is query.state)
        ]
        invitations.sort(key=lambda i: (i.created_at, i.id), reverse=True)
        if query.after is not None:
            position = (query.after.created_at, query.after.invitation_id)
            invitations = [i for i in invitations if (i.created_at, i.id) < position]
        return invitations[: query.limit]

    async def list_pending_for_email(
        self, email_normalized: str, now: datetime
    ) -> list[Invitation]:
        invitations = [
            invitation
            for invitation in self._transaction.scan(INVITATIONS)
            if invitation.email_normalized == email_normalized
            and invitation.state(now) is InvitationState.PENDING
        ]
        invitations.sort(key=lambda i: (i.created_at, i.id), reverse=True)
        return invitations

    async def count_pending_by_role(
        self, organisation_id: uuid.UUID, now: datetime
    ) -> dict[Role, int]:
        roles = (
            invitation.role
            for invitation in self._transaction.scan(INVITATIONS)
            if invitation.organisation_id == organisation_id
            and invitation.state(now) is InvitationState.PENDING
        )
        return dict(Counter(roles))


def _details(membership: Membership, user: User) -> MemberDetails:
    return MemberDetails(
        user_id=membership.user_id,
        email=user.email,
        email_normalized=user.email_normalized,
        display_name=user.display_name,
        role=membership.role,
        joined_at=membership.joined_at,
        invited_by=membership.invited_by,
    )


def _matches(member: MemberDetails, prefix: str) -> bool:
    name = (member.display_name or "").casefold()
    return member.email_normalized.startswith(prefix) or name.startswith(prefix)


def _member_sort_key(order: MemberOrder) -> Any:
    if order is MemberOrder.EMAIL:
        return lambda row: (row.email_normalized, row.user_id)
    return lambda row: (row.joined_at, row.user_id)
