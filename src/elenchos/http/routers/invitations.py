"""Invitations: managed by admins and owners, previewed and accepted by the invitee."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from elenchos.application.invitation_acceptance import TOKEN_MAX_LENGTH
from elenchos.application.read_models import MAX_PAGE_SIZE
from elenchos.domain.invitations import InvitationState
from elenchos.http.dependencies import ClaimsDep, ClientDep, ContainerDep
from elenchos.http.schemas_organisations import (
    InvitationPageResponse,
    InvitationPreviewResponse,
    InvitationResponse,
    InvitationTokenRequest,
    InviteRequest,
    OrganisationResponse,
)

router = APIRouter(prefix="/v1/organisations/{organisation_id}/invitations", tags=["invitations"])
public_router = APIRouter(prefix="/v1/invitations", tags=["invitations"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not a member, or no such organisation or invitation."}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationResponse,
    summary="Invite an email address with a role (admins and owners)",
    description=(
        "Mails a link valid for ELENCHOS_INVITATION_TTL_SECONDS (7 days by default). "
        "Inviting an address with a pending invitation renews it: new link, new expiry, "
        "and the old link stops working. 409 already_member when the address is a member."
    ),
    operation_id="inviteMember",
    responses=NOT_FOUND,
)
async def invite_member(
    organisation_id: uuid.UUID,
    body: InviteRequest,
    claims: ClaimsDep,
    container: ContainerDep,
    client: ClientDep,
) -> InvitationResponse:
    invitation = await container.use_cases.organisations.invite_member(
        claims.subject, organisation_id, body.email, body.role, client
    )
    container.nudge_outbox()
    return InvitationResponse.of(invitation, container.clock.now())


@router.get(
    "",
    response_model=InvitationPageResponse,
    summary="List invitations, newest first (admins and owners)",
    operation_id="listInvitations",
    responses=NOT_FOUND,
)
async def list_invitations(
    organisation_id: uuid.UUID,
    claims: ClaimsDep,
    container: ContainerDep,
    status_filter: Annotated[InvitationState | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> InvitationPageResponse:
    page = await container.use_cases.organisations.list_invitations(
        claims.subject, organisation_id, state=status_filter, limit=limit, cursor=cursor
    )
    now = container.clock.now()
    return InvitationPageResponse(
        items=[InvitationResponse.of(invitation, now) for invitation in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/{invitation_id}/resend",
    response_model=InvitationResponse,
    summary="Mail a pending or expired invitation again with a new link and expiry",
    operation_id="resendInvitation",
    responses=NOT_FOUND,
)
async def resend_invitation(
    organisation_id: uuid.UUID,
    invitation_id: uuid.UUID,
    claims: ClaimsDep,
    container: ContainerDep,
    client: ClientDep,
) -> InvitationResponse:
    invitation = await container.use_cases.organisations.resend_invitation(
        claims.subject, organisation_id, invitation_id, client
    )
    container.nudge_outbox()
    return InvitationResponse.of(invitation, container.clock.now())


@router.delete(
    "/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an invitation so its link stops working",
    operation_id="revokeInvitation",
    responses=NOT_FOUND,
)
async def revoke_invitation(
    organisation_id: uuid.UUID,
    invitation_id: uuid.UUID,
    claims: ClaimsDep,
    container: ContainerDep,
    client: ClientDep,
) -> Response:
    await container.use_cases.organisations.revoke_invitation(
        claims.subject, organisation_id, invitation_id, client
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public_router.get(
    "/preview",
    response_model=InvitationPreviewResponse,
    summary="Describe the invitation behind a link (no sign-in needed)",
    description=(
        "For a landing page: organisation, inviter, role, expiry, and whether the address "
        "has an account, to offer sign-in or sign-up. Expired, revoked and used invitations "
        "answer 410 with invitation_expired, invitation_revoked or invitation_already_used."
    ),
    operation_id="previewInvitation",
)
async def preview_invitation(
    token: Annotated[str, Query(min_length=1, max_length=TOKEN_MAX_LENGTH)],
    container: ContainerDep,
    response: Response,
) -> InvitationPreviewResponse:
    response.headers["Cache-Control"] = "no-store"
    preview = await container.use_cases.organisations.preview_invitation(token)
    return InvitationPreviewResponse.of(preview)


@public_router.post(
    "/accept",
    response_model=OrganisationResponse,
    summary="Accept an invitation addressed to your email address",
    description=(
        "403 invitation_email_mismatch when the invitation is for another address; "
        "410 when it expired, was revoked or was already accepted."
    ),
    operation_id="acceptInvitation",
)
async def accept_invitation(
    body: InvitationTokenRequest, claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> OrganisationResponse:
    joined = await container.use_cases.organisations.accept_invitation(
        claims.subject, body.token, client
    )
    return OrganisationResponse.of(joined)
