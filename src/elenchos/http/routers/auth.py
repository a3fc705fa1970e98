"""Sign-up, sign-in and the OAuth2 password form used by Swagger UI."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from elenchos.application.accounts import ClientInfo, SignInResult
from elenchos.application.sessions import SessionTokens
from elenchos.bootstrap import Container
from elenchos.config import Settings
from elenchos.domain.errors import DomainError
from elenchos.http.dependencies import ClientDep, ContainerDep
from elenchos.http.problems import spec_for
from elenchos.http.schemas import SignInRequest, SignUpAccepted, SignUpRequest, TokenResponse
from elenchos.http.session_cookie import token_response

router = APIRouter(prefix="/v1/auth", tags=["auth"])

SIGN_UP_ACCEPTED = SignUpAccepted(
    status="pending_verification",
    detail="If the address can be used, a message has been sent to it with the next step.",
)
SIGN_UP_JOINED = SignUpAccepted(
    status="active",
    detail="The account is active and has joined the organisation; sign in to continue.",
)


@router.post(
    "/sign-up",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SignUpAccepted,
    summary="Register an account",
    description=(
        "Answers 202 with the same body whether or not the address already has an "
        "account, so sign-up cannot be used to find out who is registered. With a valid "
        "invitation_token for a new address, the body says status active instead: the "
        "account is verified and a member of the inviting organisation, so sign in. "
        "The token holder already learns whether the address has an account from the "
        "invitation preview, so this difference reveals nothing new. An address that "
        "already has an account gets the usual body and the invitation stays pending; "
        "accept it after signing in. An unusable token answers 404 or 410, an invitation "
        "for another address 403 invitation_email_mismatch."
    ),
    operation_id="signUp",
)
async def sign_up(
    body: SignUpRequest, container: ContainerDep, client: ClientDep
) -> SignUpAccepted:
    if body.invitation_token is not None:
        joined = await container.use_cases.organisations.sign_up_with_invitation(
            body.email, body.password, body.invitation_token, body.profile, client
        )
        return SIGN_UP_JOINED if joined else SIGN_UP_ACCEPTED
    await container.use_cases.sign_up(body.email, body.password, body.profile)
    container.nudge_outbox()
    return SIGN_UP_ACCEPTED


@router.post(
    "/sign-in",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    summary="Sign in with email and password",
    description=(
        "Starts a session and returns an access token bound to it with the session's "
        "refresh token; in cookie mode the refresh token is set as an HttpOnly cookie "
        "instead. Unknown email and wrong password give the same 401 invalid_credentials."
    ),
    operation_id="signIn",
)
async def sign_in(
    body: SignInRequest, container: ContainerDep, client: ClientDep, response: Response
) -> TokenResponse:
    result = await _counted_sign_in(
        container, body.email, body.password, client, body.organisation_id
    )
    container.nudge_outbox()
    return _signed_in(result, container.settings, response)


@router.post(
    "/token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    summary="Sign in with the OAuth2 password form",
    description=(
        "The form variant of sign-in, for Swagger UI's Authorize button; username is the email."
    ),
    operation_id="signInWithPasswordForm",
)
async def token(
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=4096)],
    container: ContainerDep,
    client: ClientDep,
    response: Response,
) -> TokenResponse:
    result = await _counted_sign_in(container, username, password, client)
    container.nudge_outbox()
    return _signed_in(result, container.settings, response)


async def _counted_sign_in(
    container: Container,
    email: str,
    password: str,
    client: ClientInfo,
    organisation_id: uuid.UUID | None = None,
) -> SignInResult:
    """Sign in and count the outcome: "success" or the problem code of the failure."""
    try:
        result = await container.use_cases.sign_in(
            email, password, client, organisation_id=organisation_id
        )
    except DomainError as exc:
        container.metrics.sign_ins.labels(spec_for(exc).code).inc()
        raise
    container.metrics.sign_ins.labels("success").inc()
    return result


def _signed_in(result: SignInResult, settings: Settings, response: Response) -> TokenResponse:
    tokens = SessionTokens(
        session_id=result.session_id,
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        refresh_expires_in=result.refresh_expires_in,
    )
    return token_response(tokens, settings, response)
