"""Refresh, sign-out, and the signed-in user's list of sessions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from elenchos.domain.errors import InvalidToken, RefreshTokenInvalid, RefreshTokenReused
from elenchos.http.dependencies import (
    ClaimsDep,
    ClientDep,
    ContainerDep,
    bearer_scheme,
    session_id_of,
)
from elenchos.http.schemas import TokenResponse
from elenchos.http.schemas_sessions import (
    RefreshRequest,
    RevokedSessions,
    SessionList,
    SessionResponse,
    SignOutRequest,
)
from elenchos.http.session_cookie import (
    check_origin,
    clear_refresh_cookie,
    refresh_token_from_cookie,
    token_response,
)

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
me_router = APIRouter(prefix="/v1/me/sessions", tags=["me"])

REFRESH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "description": (
            "The refresh token is unknown or its session ended (refresh_token_invalid), "
            "or it was already used and the session is now revoked (refresh_token_reused)."
        )
    },
    403: {"description": "Cookie mode only: Origin missing or not listed (origin_not_allowed)."},
    404: {"description": "Not a member of organisation_id (organisation_not_found)."},
}
SESSION_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No active session of yours has this id (session_not_found)."}
}


@auth_router.post(
    "/refresh",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    summary="Exchange a refresh token for new tokens",
    description=(
        "Returns a new access token and a new refresh token; the one sent stops working. "
        "A retry with the same token within a few seconds returns the same new refresh "
        "token, for clients whose first response was lost. Sent again later, the token "
        "counts as stolen: the whole session ends and both holders must sign in again. "
        "In cookie mode the token is read from the cookie and the request needs an "
        "Origin listed in ELENCHOS_CORS_ORIGINS."
    ),
    responses=REFRESH_ERRORS,
    operation_id="refreshSession",
)
async def refresh(
    request: Request,
    response: Response,
    container: ContainerDep,
    client: ClientDep,
    body: RefreshRequest | None = None,
) -> TokenResponse:
    settings = container.settings
    if settings.refresh_cookie:
        check_origin(request, settings)
        raw_token = refresh_token_from_cookie(request, settings)
    else:
        raw_token = body.refresh_token if body is not None else None
    if raw_token is None:
        raise RefreshTokenInvalid("Send the refresh token from sign-in or the last refresh.")
    organisation_id = body.organisation_id if body is not None else None
    try:
        tokens = await container.use_cases.sessions.refresh(raw_token, organisation_id, client)
    except RefreshTokenReused:
        container.metrics.refresh_reuse.inc()
        raise
    return token_response(tokens, settings, response)


@auth_router.post(
    "/sign-out",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the current session",
    description=(
        "Ends the session of the refresh token sent (in the body, or the cookie in cookie "
        "mode), else the session of the bearer access token. Its access tokens stop "
        "working at once on this server and within ELENCHOS_SESSION_CACHE_SECONDS on "
        "other replicas. Ending a session that has already ended succeeds."
    ),
    responses={
        401: {"description": "No valid access or refresh token (unauthenticated codes)."},
        403: {"description": "Cookie mode only: Origin missing or not listed."},
    },
    operation_id="signOut",
)
async def sign_out(
    request: Request,
    container: ContainerDep,
    client: ClientDep,
    access_token: Annotated[str | None, Depends(bearer_scheme)],
    body: SignOutRequest | None = None,
) -> Response:
    settings = container.settings
    if settings.refresh_cookie:
        refresh_token = refresh_token_from_cookie(request, settings)
    else:
        refresh_token = body.refresh_token if body is not None else None
    use = container.use_cases.sessions.sign_out
    if refresh_token is not None:
        await use(refresh_token=refresh_token, client=client)
    elif access_token:
        claims = container.tokens.verify_access_token(access_token)
        await use(user_id=claims.subject, session_id=session_id_of(claims), client=client)
    else:
        raise InvalidToken("Send the access token or the refresh token of the session to end.")
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    if settings.refresh_cookie:
        clear_refresh_cookie(response)
    return response


@me_router.get(
    "",
    response_model=SessionList,
    summary="List my active sessions",
    description="Newest first; the session of this request's access token has current true.",
    operation_id="listMySessions",
)
async def list_my_sessions(claims: ClaimsDep, container: ContainerDep) -> SessionList:
    views = await container.use_cases.sessions.list_mine(claims.subject, session_id_of(claims))
    return SessionList(items=[SessionResponse.of(view) for view in views])


@me_router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End one of my sessions",
    description=(
        "Its refresh token stops working at once and its access tokens within "
        "ELENCHOS_SESSION_CACHE_SECONDS. Ending the current session signs this client out."
    ),
    responses=SESSION_NOT_FOUND,
    operation_id="revokeMySession",
)
async def revoke_my_session(
    session_id: uuid.UUID, claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> Response:
    await container.use_cases.sessions.revoke(claims.subject, session_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@me_router.delete(
    "",
    response_model=RevokedSessions,
    summary="End all my other sessions",
    description="Signs out every other device; the session of this request stays active.",
    operation_id="revokeMyOtherSessions",
)
async def revoke_my_other_sessions(
    claims: ClaimsDep, container: ContainerDep, client: ClientDep
) -> RevokedSessions:
    revoked = await container.use_cases.sessions.revoke_others(
        claims.subject, session_id_of(claims), client
    )
    return RevokedSessions(revoked=revoked)
