"""Ports for organisations, memberships and invitations; the UnitOfWork exposes one of each.

Every count is an aggregate computed by the store, so statistics never load
an organisation's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from elenchos.application.read_models import (
    InvitationQuery,
    MemberDetails,
    MemberQuery,
    MyOrganisation,
)
from elenchos.domain.invitations import Invitation
from elenchos.domain.organisations import Membership, Organisation
from elenchos.domain.roles import Role


class OrganisationRepository(Protocol):
    async def add(self, organisation: Organisation) -> None:
        """Stage a new organisation; raises SlugTaken at the latest on commit."""
        ...

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None: ...

    async def get_by_slug(self, slug: str) -> Organisation | None: ...

    async def lock(self, organisation_id: uuid.UUID) -> None:
        """Lock the organisation until the transaction ends.

        Use cases that count owners before removing one take this lock, so two
        owners demoting each other at once cannot leave the organisation with none.
        """
        ...

    async def update(self, organisation: Organisation) -> None:
        """Stage the new state; raises SlugTaken at the latest on commit."""
        ...

    async def delete(self, organisation_id: uuid.UUID) -> None:
        """Delete the organisation with its memberships and invitations."""
        ...


class MembershipRepository(Protocol):
    async def add(self, membership: Membership) -> None:
        """Stage a membership; raises AlreadyMember at the latest on commit."""
        ...

    async def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None: ...

    async def update(self, membership: Membership) -> None: ...

    async def delete(self, membership: Membership) -> None: ...

    async def count_by_role(self, organisation_id: uuid.UUID) -> dict[Role, int]:
        """Return the number of members of each role; roles without members are left out."""
        ...

    async def count_joined_since(
        self, organisation_id: uuid.UUID, cutoffs: Sequence[datetime]
    ) -> list[int]:
        """Return, for each cutoff, how many members joined at or after it."""
        ...

    async def list_members(self, query: MemberQuery) -> list[MemberDetails]:
        """Return up to query.limit members after query.after, in query.order."""
        ...

    async def list_for_user(self, user_id: uuid.UUID) -> list[MyOrganisation]:
        """Return every organisation the user belongs to, by name."""
        ...

    async def count_by_role_for_user(self, user_id: uuid.UUID) -> dict[Role, int]:
        """Return how many organisations the user belongs to with each role."""
        ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> None:
        """Stage an invitation; raises InvitationPending at the latest on commit
        when the address already has a pending invitation to the organisation."""
        ...

    async def get(
        self, organisation_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> Invitation | None: ...

    async def get_by_token_hash(self, token_hash: str) -> Invitation | None: ...

    async def get_pending(
        self, organisation_id: uuid.UUID, email_normalized: str
    ) -> Invitation | None:
        """Return the address's pending invitation to the organisation, expired or not."""
        ...

    async def update(self, invitation: Invitation) -> None: ...

    async def list_page(self, query: InvitationQuery) -> list[Invitation]:
        """Return up to query.limit invitations, newest first, after query.after."""
        ...

    async def list_pending_for_email(
        self, email_normalized: str, now: datetime
    ) -> list[Invitation]:
        """Return the unexpired pending invitations addressed to the address, newest first."""
        ...

    async def count_pending_by_role(
        self, organisation_id: uuid.UUID, now: datetime
    ) -> dict[Role, int]:
        """Return the number of unexpired pending invitations for each role."""
        ...
