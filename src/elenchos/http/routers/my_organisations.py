"""The signed-in user's organisations, statistics and invitations, and organisation tokens."""

from __future__ import annotations

from fastapi import APIRouter

from elenchos.http.dependencies import ClaimsDep, ContainerDep, session_id_of
from elenchos.http.schemas import TokenResponse
from elenchos.http.schemas_organisations import (
    MyStatisticsResponse,
    OrganisationList,
    OrganisationResponse,
    ReceivedInvitationList,
    ReceivedInvitationResponse,
    SwitchOrganisationRequest,
)

router = APIRouter(prefix="/v1/me", tags=["me"])
tokens_router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.get(
    "/organisations",
    response_model=OrganisationList,
    summary="List my organisations, each with my role",
    operation_id="listMyOrganisations",
)
async def list_my_organisations(claims: ClaimsDep, container: ContainerDep) -> OrganisationList:
    mine = await container.use_cases.organisations.list_my_organisations(claims.subject)
    return OrganisationList(items=[OrganisationResponse.of(entry) for entry in mine])


@router.get(
    "/statistics",
    response_model=MyStatisticsResponse,
    summary="Count and list my organisations grouped by my role",
    operation_id="getMyStatistics",
)
async def get_my_statistics(claims: ClaimsDep, container: ContainerDep) -> MyStatisticsResponse:
    statistics = await container.use_cases.organisations.get_my_statistics(claims.subject)
    return MyStatisticsResponse.of(statistics)


@router.get(
    "/invitations",
    response_model=ReceivedInvitationList,
    summary="List the pending invitations addressed to me",
    description="Empty until my email address is verified. Accepting needs the mailed link.",
    operation_id="listMyInvitations",
)
async def list_my_invitations(claims: ClaimsDep, container: ContainerDep) -> ReceivedInvitationList:
    received = await container.use_cases.organisations.list_my_invitations(claims.subject)
    return ReceivedInvitationList(items=[ReceivedInvitationResponse.of(r) for r in received])


@tokens_router.post(
    "/switch-organisation",
    response_model=TokenResponse,
    summary="Get an access token scoped to one of my organisations",
    description=(
        "The token carries org and org_role claims for other services of the SaaS. "
        "Elenchos itself authorizes from the current membership, so a removed member "
        "loses access here at once; claims in tokens already issued stay valid until "
        "the tokens expire."
    ),
    operation_id="switchOrganisation",
)
async def switch_organisation(
    body: SwitchOrganisationRequest, claims: ClaimsDep, container: ContainerDep
) -> TokenResponse:
    issued = await container.use_cases.organisations.switch_organisation(
        claims.subject, body.organisation_id, session_id_of(claims)
    )
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)
