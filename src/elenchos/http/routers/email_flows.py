"""Email verification, password reset and password change.

Link tokens reach these endpoints from the query string of a mail link
(?token=...), which the page that the link opens copies into the body.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from elenchos.http.dependencies import ClaimsDep, ClientDep, ContainerDep, session_id_of
from elenchos.http.email_flow_schemas import (
    ChangePasswordRequest,
    MailRequest,
    MailRequestAccepted,
    PasswordResetConfirmRequest,
    VerifyEmailRequest,
)

router = APIRouter()

# Every mail request gets this body, so the response reveals nothing about the address.
MAIL_REQUEST_ACCEPTED = MailRequestAccepted(
    status="accepted",
    detail="If the address has an account that needs this mail, the mail is on its way.",
)
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests from this IP address (rate_limited)."}
}
LINK_TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The token is unknown or malformed (link_token_invalid)."},
    410: {"description": "The token was used (link_token_used) or expired (link_token_expired)."},
}
WRONG_PASSWORD: dict[int | str, dict[str, Any]] = {
    403: {"description": "The current password is wrong (current_password_incorrect)."}
}


@router.post(
    "/v1/auth/verify-email",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    summary="Verify an email address with the token of a verification link",
    responses=LINK_TOKEN_ERRORS,
    operation_id="verifyEmail",
)
async def verify_email(
    body: VerifyEmailRequest, container: ContainerDep, client: ClientDep
) -> Response:
    await container.use_cases.verify_email(body.token, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/auth/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MailRequestAccepted,
    tags=["auth"],
    summary="Send a new verification link",
    description=(
        "Returns 202 with the same body whether or not the address has an account that "
        "is waiting for verification."
    ),
    responses=RATE_LIMITED,
    operation_id="resendVerification",
)
async def resend_verification(
    body: MailRequest, container: ContainerDep, client: ClientDep
) -> MailRequestAccepted:
    await container.use_cases.resend_verification(body.email, client)
    container.nudge_outbox()
    return MAIL_REQUEST_ACCEPTED


@router.post(
    "/v1/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MailRequestAccepted,
    tags=["auth"],
    summary="Mail a password reset link",
    description="Returns 202 with the same body whether or not the address has an account.",
    responses=RATE_LIMITED,
    operation_id="requestPasswordReset",
)
async def request_password_reset(
    body: MailRequest, container: ContainerDep, client: ClientDep
) -> MailRequestAccepted:
    await container.use_cases.request_password_reset(body.email, client)
    container.nudge_outbox()
    return MAIL_REQUEST_ACCEPTED


@router.post(
    "/v1/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    summary="Set a new password with the token of a reset link",
    description="Every other reset link of the account stops working.",
    responses=LINK_TOKEN_ERRORS,
    operation_id="confirmPasswordReset",
)
async def confirm_password_reset(
    body: PasswordResetConfirmRequest, container: ContainerDep, client: ClientDep
) -> Response:
    await container.use_cases.confirm_password_reset(body.token, body.new_password, client)
    container.nudge_outbox()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["me"],
    summary="Change my password",
    responses=WRONG_PASSWORD,
    operation_id="changeMyPassword",
)
async def change_password(
    body: ChangePasswordRequest, claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> Response:
    await container.use_cases.change_password(
        claims.subject,
        body.current_password,
        body.new_password,
        current_session_id=session_id_of(claims),
        client=client,
    )
    container.nudge_outbox()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
