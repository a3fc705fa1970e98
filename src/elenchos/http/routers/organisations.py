"""Organisations, their members, roles and statistics.

Every route under /v1/organisations/{organisation_id} returns 404
organisation_not_found to a caller who is not a member, whether or not the
organisation exists, and 403 to a member whose role lacks the permission.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from elenchos.application.read_models import MAX_PAGE_SIZE, MemberOrder
from elenchos.domain.roles import ROLE_DEFINITIONS, Role
from elenchos.http.dependencies import ClaimsDep, ClientDep, ContainerDep
from elenchos.http.schemas_organisations import (
    ChangeRoleRequest,
    CreateOrganisationRequest,
    MemberPageResponse,
    MembershipResponse,
    OrganisationResponse,
    OrganisationStatisticsResponse,
    RoleDefinitionResponse,
    RoleList,
    RoleSummaryList,
    RoleSummaryResponse,
    TransferOwnershipRequest,
    UpdateOrganisationRequest,
)

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])
roles_router = APIRouter(prefix="/v1/roles", tags=["organisations"])

NOT_A_MEMBER: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not a member, or no such organisation."}
}


@roles_router.get(
    "",
    response_model=RoleList,
    summary="List the roles and their permissions",
    operation_id="listRoles",
)
async def list_roles() -> RoleList:
    return RoleList(items=[RoleDefinitionResponse.of(d) for d in ROLE_DEFINITIONS])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationResponse,
    summary="Create an organisation; you become its owner",
    operation_id="createOrganisation",
)
async def create_organisation(
    body: CreateOrganisationRequest, claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> OrganisationResponse:
    created = await container.use_cases.organisations.create_organisation(
        claims.subject, body.name, slug=body.slug, settings=body.settings, client=client
    )
    return OrganisationResponse.of(created)


@router.get(
    "/{organisation_id}",
    response_model=OrganisationResponse,
    summary="Read an organisation",
    operation_id="getOrganisation",
    responses=NOT_A_MEMBER,
)
async def get_organisation(
    organisation_id: uuid.UUID, claims: ClaimsDep, container: ContainerDep
) -> OrganisationResponse:
    found = await container.use_cases.organisations.get_organisation(
        claims.subject, organisation_id
    )
    return OrganisationResponse.of(found)


@router.patch(
    "/{organisation_id}",
    response_model=OrganisationResponse,
    summary="Rename an organisation, change its slug or its settings (admins and owners)",
    operation_id="updateOrganisation",
    responses=NOT_A_MEMBER,
)
async def update_organisation(
    organisation_id: uuid.UUID,
    body: UpdateOrganisationRequest,
    claims: ClaimsDep,
    container: ContainerDep,
) -> OrganisationResponse:
    updated = await container.use_cases.organisations.update_organisation(
        claims.subject, organisation_id, name=body.name, slug=body.slug, settings=body.settings
    )
    return OrganisationResponse.of(updated)


@router.delete(
    "/{organisation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an organisation with its memberships and invitations (owners)",
    operation_id="deleteOrganisation",
    responses=NOT_A_MEMBER,
)
async def delete_organisation(
    organisation_id: uuid.UUID, claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> Response:
    await container.use_cases.organisations.delete_organisation(
        claims.subject, organisation_id, client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{organisation_id}/members",
    response_model=MemberPageResponse,
    summary="List members a page at a time",
    description=(
        "Keyset pagination: pass the next_cursor of one page as cursor to read the next. "
        "q matches a prefix of the email address or of the display name, case-insensitively."
    ),
    operation_id="listMembers",
    responses=NOT_A_MEMBER,
)
async def list_members(
    organisation_id: uuid.UUID,
    claims: ClaimsDep,
    container: ContainerDep,
    role: Role | None = None,
    q: Annotated[str | None, Query(max_length=320)] = None,
    order: MemberOrder = MemberOrder.JOINED_AT,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> MemberPageResponse:
    page = await container.use_cases.organisations.list_members(
        claims.subject,
        organisation_id,
        limit=limit,
        cursor=cursor,
        order=order,
        role=role,
        search=q,
    )
    return MemberPageResponse.of(page)


@router.patch(
    "/{organisation_id}/members/{user_id}",
    response_model=MembershipResponse,
    summary="Change a member's role",
    description=(
        "Admins change members and admins; only owners grant or revoke the owner role. "
        "Nobody changes their own role."
    ),
    operation_id="changeMemberRole",
    responses=NOT_A_MEMBER,
)
async def change_member_role(
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    body: ChangeRoleRequest,
    claims: ClaimsDep,
    container: ContainerDep,
    client: ClientDep,
) -> MembershipResponse:
    membership = await container.use_cases.organisations.change_member_role(
        claims.subject, organisation_id, user_id, body.role, client
    )
    return MembershipResponse(
        organisation_id=membership.organisation_id,
        user_id=membership.user_id,
        role=membership.role,
        joined_at=membership.joined_at,
    )


@router.delete(
    "/{organisation_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member",
    description="Removing yourself is leaving. The last owner cannot be removed.",
    operation_id="removeMember",
    responses=NOT_A_MEMBER,
)
async def remove_member(
    organisation_id: uuid.UUID,
    user_id: uuid.UUID,
    claims: ClaimsDep,
    container: ContainerDep,
    client: ClientDep,
) -> Response:
    await container.use_cases.organisations.remove_member(
        claims.subject, organisation_id, user_id, client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{organisation_id}/leave",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Leave an organisation",
    description="Anyone but the last owner may leave.",
    operation_id="leaveOrganisation",
    responses=NOT_A_MEMBER,
)
async def leave_organisation(
    organisation_id: uuid.UUID, claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> Response:
    await container.use_cases.organisations.leave_organisation(
        claims.subject, organisation_id, client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{organisation_id}/transfer-ownership",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Make another member an owner and yourself an admin (owners)",
    operation_id="transferOwnership",
    responses=NOT_A_MEMBER,
)
async def transfer_ownership(
    organisation_id: uuid.UUID,
    body: TransferOwnershipRequest,
    claims: ClaimsDep,
    container: ContainerDep,
    client: ClientDep,
) -> Response:
    await container.use_cases.organisations.transfer_ownership(
        claims.subject, organisation_id, body.user_id, client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{organisation_id}/statistics",
    response_model=OrganisationStatisticsResponse,
    summary="Count members by role, pending invitations by role and recent joins",
    operation_id="getOrganisationStatistics",
    responses=NOT_A_MEMBER,
)
async def get_statistics(
    organisation_id: uuid.UUID, claims: ClaimsDep, container: ContainerDep
) -> OrganisationStatisticsResponse:
    statistics = await container.use_cases.organisations.get_organisation_statistics(
        claims.subject, organisation_id
    )
    return OrganisationStatisticsResponse.of(statistics)


@router.get(
    "/{organisation_id}/roles",
    response_model=RoleSummaryList,
    summary="List the roles with their permissions and member counts",
    operation_id="getOrganisationRoles",
    responses=NOT_A_MEMBER,
)
async def get_roles(
    organisation_id: uuid.UUID, claims: ClaimsDep, container: ContainerDep
) -> RoleSummaryList:
    summaries = await container.use_cases.organisations.get_organisation_roles(
        claims.subject, organisation_id
    )
    return RoleSummaryList(items=[RoleSummaryResponse.of_summary(s) for s in summaries])
