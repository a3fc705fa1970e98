"""Read models: what organisation queries return, shaped for the API rather than for rules."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from elenchos.domain.invitations import InvitationState
from elenchos.domain.organisations import Organisation
from elenchos.domain.roles import Role

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50


class MemberOrder(enum.StrEnum):
    JOINED_AT = "joined_at"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class MemberDetails:
    user_id: uuid.UUID
    email: str
    email_normalized: str
    display_name: str | None
    role: Role
    joined_at: datetime
    invited_by: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class MemberPosition:
    """The sort key of the last member on a page, where the next page starts."""

    joined_at: datetime | None
    email_normalized: str | None
    user_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class MemberQuery:
    """A page of an organisation's members.

    search is a casefolded prefix matched against the normalized email and
    the display name; after is the position of the previous page's last row.
    """

    organisation_id: uuid.UUID
    limit: int
    order: MemberOrder = MemberOrder.JOINED_AT
    role: Role | None = None
    search: str | None = None
    after: MemberPosition | None = None


@dataclass(frozen=True, slots=True)
class InvitationPosition:
    """The sort key of the last invitation on a page. Invitations are listed newest first."""

    created_at: datetime
    invitation_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class InvitationQuery:
    organisation_id: uuid.UUID
    now: datetime
    limit: int
    state: InvitationState | None = None
    after: InvitationPosition | None = None


@dataclass(frozen=True, slots=True)
class MyOrganisation:
    organisation: Organisation
    role: Role
    joined_at: datetime
