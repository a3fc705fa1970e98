"""FastAPI dependencies: the container, the authenticated user and the client's address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from elenchos.application.accounts import ClientInfo
from elenchos.application.ports import AccessClaims
from elenchos.bootstrap import Container
from elenchos.domain.errors import InvalidToken

# auto_error is off so a missing token reaches our own problem+json answer.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)

USER_AGENT_MAX_LENGTH = 512


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_access_claims(
    container: ContainerDep, token: Annotated[str | None, Depends(bearer_scheme)]
) -> AccessClaims:
    if not token:
        raise InvalidToken("An access token is required: send 'Authorization: Bearer <token>'.")
    return container.tokens.verify_access_token(token)


ClaimsDep = Annotated[AccessClaims, Depends(get_access_claims)]


def get_client_info(request: Request) -> ClientInfo:
    user_agent = request.headers.get("user-agent")
    return ClientInfo(
        ip_address=request.client.host if request.client else None,
        user_agent=user_agent[:USER_AGENT_MAX_LENGTH] if user_agent else None,
    )


ClientDep = Annotated[ClientInfo, Depends(get_client_info)]
