"""FastAPI dependencies: the container, the authenticated user and the client's address."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from elenchos.application.accounts import ClientInfo
from elenchos.application.ports import AccessClaims
from elenchos.bootstrap import Container
from elenchos.domain.errors import InvalidToken
from elenchos.domain.sessions import SESSION_CLAIM
from elenchos.http.client_address import client_ip, parse_trusted_proxies

# auto_error is off so a missing token reaches our own problem+json response.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)

USER_AGENT_MAX_LENGTH = 512


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_access_claims(
    container: ContainerDep, token: Annotated[str | None, Depends(bearer_scheme)]
) -> AccessClaims:
    """Verify the bearer token and check that its session is still active.

    Raises InvalidToken or SessionEnded.
    """
    if not token:
        raise InvalidToken("An access token is required: send 'Authorization: Bearer <token>'.")
    claims = container.tokens.verify_access_token(token)
    await container.use_cases.sessions.check(claims.subject, session_id_of(claims))
    return claims


def session_id_of(claims: AccessClaims) -> uuid.UUID:
    """Return the session an access token is bound to; raises InvalidToken without one."""
    value = claims.extra.get(SESSION_CLAIM)
    if not isinstance(value, str):
        raise InvalidToken("The access token names no session.")
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidToken("The access token names no valid session.") from exc


ClaimsDep = Annotated[AccessClaims, Depends(get_access_claims)]


def get_client_info(request: Request, container: ContainerDep) -> ClientInfo:
    """Return the client's address and user agent; see client_address for X-Forwarded-For."""
    user_agent = request.headers.get("user-agent")
    trusted = parse_trusted_proxies(tuple(container.settings.trusted_proxies))
    peer = request.client.host if request.client else None
    return ClientInfo(
        ip_address=client_ip(peer, request.headers.getlist("x-forwarded-for"), trusted),
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH] if user_agent else None,
    )


ClientDep = Annotated[ClientInfo, Depends(get_client_info)]
