"""Request and response bodies of the organisation, membership and invitation API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from elenchos.application.invitation_acceptance import (
    TOKEN_MAX_LENGTH,
    InvitationPreview,
    ReceivedInvitation,
)
from elenchos.application.memberships import MemberPage
from elenchos.application.read_models import MemberDetails, MyOrganisation
from elenchos.application.statistics import MyStatistics, OrganisationStatistics, RoleSummary
from elenchos.domain.invitations import Invitation, InvitationState
from elenchos.domain.organisations import NAME_MAX_LENGTH, SLUG_MAX_LENGTH, Organisation
from elenchos.domain.roles import Role, RoleDefinition
from elenchos.http.schemas import check_settings_document


class CreateOrganisationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Analytical Engines Ltd"}]},
    )

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    slug: str | None = Field(
        None,
        max_length=SLUG_MAX_LENGTH,
        description="Lowercase letters, digits and hyphens; derived from the name when left out.",
    )
    settings: dict[str, Any] | None = None

    _settings = field_validator("settings")(check_settings_document)


class UpdateOrganisationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Analytical Engines", "settings": {"plan": "pro"}}]
        },
    )

    name: str | None = Field(None, min_length=1, max_length=NAME_MAX_LENGTH)
    slug: str | None = Field(None, max_length=SLUG_MAX_LENGTH)
    settings: dict[str, Any] | None = Field(
        None, description="Keys to set; a null value removes the key."
    )

    _settings = field_validator("settings")(check_settings_document)


class OrganisationResponse(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    role: Role = Field(description="The caller's role in the organisation.")
    joined_at: datetime = Field(description="When the caller joined the organisation.")

    @classmethod
    def of(cls, mine: MyOrganisation) -> OrganisationResponse:
        organisation = mine.organisation
        return cls(
            id=organisation.id,
            name=organisation.name,
            slug=organisation.slug,
            settings=organisation.settings,
            created_at=organisation.created_at,
            updated_at=organisation.updated_at,
            role=mine.role,
            joined_at=mine.joined_at,
        )


class OrganisationList(BaseModel):
    items: list[OrganisationResponse]


class MemberResponse(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str | None
    role: Role
    joined_at: datetime
    invited_by: uuid.UUID | None

    @classmethod
    def of(cls, member: MemberDetails) -> MemberResponse:
        return cls(
            user_id=member.user_id,
            email=member.email,
            display_name=member.display_name,
            role=member.role,
            joined_at=member.joined_at,
            invited_by=member.invited_by,
        )


class MemberPageResponse(BaseModel):
    items: list[MemberResponse]
    next_cursor: str | None = Field(
        description="Pass as cursor to read the next page; null on the last page."
    )

    @classmethod
    def of(cls, page: MemberPage) -> MemberPageResponse:
        return cls(items=[MemberResponse.of(m) for m in page.items], next_cursor=page.next_cursor)


class ChangeRoleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role


class MembershipResponse(BaseModel):
    organisation_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    joined_at: datetime


class TransferOwnershipRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"user_id": "0b6f5bb4-4d5c-4f7e-9d8a-2f3c1e9a7b10"}]},
    )

    user_id: uuid.UUID = Field(description="The member who becomes an owner; you become an admin.")


class InviteRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "charles@example.com", "role": "member"}]},
    )

    email: EmailStr = Field(max_length=320)
    role: Role = Role.MEMBER


class InvitationResponse(BaseModel):
    """An invitation as admins see it; the token is never returned, only mailed."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: Role
    status: InvitationState
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, invitation: Invitation, now: datetime) -> InvitationResponse:
        return cls(
            id=invitation.id,
            organisation_id=invitation.organisation_id,
            email=invitation.email,
            role=invitation.role,
            status=invitation.state(now),
            invited_by=invitation.invited_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            accepted_at=invitation.accepted_at,
            revoked_at=invitation.revoked_at,
        )


class InvitationPageResponse(BaseModel):
    items: list[InvitationResponse]
    next_cursor: str | None


class InvitationTokenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"token": "q3J8b0m1R2Vhc3RfdG9rZW5fZXhhbXBsZV92YWx1ZQA"}]},
    )

    token: str = Field(min_length=1, max_length=TOKEN_MAX_LENGTH)


class InvitationPreviewResponse(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    inviter_name: str | None
    email: str
    role: Role
    expires_at: datetime
    account_exists: bool = Field(
        description="Whether the address has an account: offer sign-in if so, else sign-up."
    )

    @classmethod
    def of(cls, preview: InvitationPreview) -> InvitationPreviewResponse:
        return cls(
            organisation_id=preview.organisation_id,
            organisation_name=preview.organisation_name,
            inviter_name=preview.inviter_name,
            email=preview.email,
            role=preview.role,
            expires_at=preview.expires_at,
            account_exists=preview.account_exists,
        )


class ReceivedInvitationResponse(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    inviter_name: str | None
    role: Role
    expires_at: datetime

    @classmethod
    def of(cls, received: ReceivedInvitation) -> ReceivedInvitationResponse:
        invitation = received.invitation
        return cls(
            id=invitation.id,
            organisation_id=invitation.organisation_id,
            organisation_name=received.organisation_name,
            inviter_name=received.inviter_name,
            role=invitation.role,
            expires_at=invitation.expires_at,
        )


class ReceivedInvitationList(BaseModel):
    items: list[ReceivedInvitationResponse]


class RoleDefinitionResponse(BaseModel):
    name: Role
    rank: int = Field(description="Higher ranks outrank lower ones: owner 3, admin 2, member 1.")
    description: str
    permissions: list[str]

    @classmethod
    def of(cls, definition: RoleDefinition) -> RoleDefinitionResponse:
        return cls(
            name=definition.role,
            rank=definition.role.rank,
            description=definition.description,
            permissions=sorted(definition.permissions),
        )


class RoleList(BaseModel):
    items: list[RoleDefinitionResponse]


class RoleSummaryResponse(RoleDefinitionResponse):
    member_count: int

    @classmethod
    def of_summary(cls, summary: RoleSummary) -> RoleSummaryResponse:
        base = RoleDefinitionResponse.of(summary.definition)
        return cls(**base.model_dump(), member_count=summary.member_count)


class RoleSummaryList(BaseModel):
    items: list[RoleSummaryResponse]


class OrganisationStatisticsResponse(BaseModel):
    total_members: int
    members_by_role: dict[Role, int]
    pending_invitations_by_role: dict[Role, int]
    joined_last_7_days: int
    joined_last_30_days: int

    @classmethod
    def of(cls, statistics: OrganisationStatistics) -> OrganisationStatisticsResponse:
        return cls(
            total_members=statistics.total_members,
            members_by_role=statistics.members_by_role,
            pending_invitations_by_role=statistics.pending_invitations_by_role,
            joined_last_7_days=statistics.joined_last_7_days,
            joined_last_30_days=statistics.joined_last_30_days,
        )


class OrganisationSummary(BaseModel):
    id: uuid.UUID
    name: str
    slug: str

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationSummary:
        return cls(id=organisation.id, name=organisation.name, slug=organisation.slug)


class MyStatisticsResponse(BaseModel):
    total_organisations: int
    organisations_by_role: dict[Role, int]
    organisations: dict[Role, list[OrganisationSummary]] = Field(
        description="My organisations grouped by my role in each."
    )

    @classmethod
    def of(cls, statistics: MyStatistics) -> MyStatisticsResponse:
        return cls(
            total_organisations=statistics.total_organisations,
            organisations_by_role=statistics.organisations_by_role,
            organisations={
                role: [OrganisationSummary.of(entry.organisation) for entry in entries]
                for role, entries in statistics.organisations.items()
            },
        )


class SwitchOrganisationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"organisation_id": "5a1c2e3f-7b8d-4c9e-a0f1-23456789abcd"}]
        },
    )

    organisation_id: uuid.UUID
