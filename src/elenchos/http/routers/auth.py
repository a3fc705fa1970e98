"""Sign-up, sign-in and the OAuth2 password form used by Swagger UI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status

from elenchos.http.dependencies import ClientDep, ContainerDep
from elenchos.http.schemas import SignInRequest, SignUpAccepted, SignUpRequest, TokenResponse

router = APIRouter(prefix="/v1/auth", tags=["auth"])

SIGN_UP_ACCEPTED = SignUpAccepted(
    status="pending_verification",
    detail="If the address can be used, a message has been sent to it with the next step.",
)


@router.post(
    "/sign-up",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SignUpAccepted,
    summary="Register an account",
    description=(
        "Answers 202 with the same body whether or not the address already has an "
        "account, so sign-up cannot be used to find out who is registered."
    ),
    operation_id="signUp",
)
async def sign_up(body: SignUpRequest, container: ContainerDep) -> SignUpAccepted:
    await container.use_cases.sign_up(body.email, body.password, body.profile)
    return SIGN_UP_ACCEPTED


@router.post(
    "/sign-in",
    response_model=TokenResponse,
    summary="Sign in with email and password",
    description="Unknown email and wrong password give the same 401 invalid_credentials.",
    operation_id="signIn",
)
async def sign_in(
    body: SignInRequest, container: ContainerDep, client: ClientDep
) -> TokenResponse:
    result = await container.use_cases.sign_in(body.email, body.password, client)
    return TokenResponse(
        access_token=result.access_token.token, expires_in=result.access_token.expires_in
    )


@router.post(
    "/token",
    response_model=TokenResponse,
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
) -> TokenResponse:
    result = await container.use_cases.sign_in(username, password, client)
    return TokenResponse(
        access_token=result.access_token.token, expires_in=result.access_token.expires_in
    )
