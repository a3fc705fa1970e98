"""Transport of the refresh token: the response body, or a cookie in cookie mode.

In cookie mode (ELENCHOS_REFRESH_COOKIE=true) the refresh token is set as an
HttpOnly, Secure, SameSite=Strict cookie scoped to /v1/auth, so page scripts
never see it. Routes that read the cookie also require an Origin header from
ELENCHOS_CORS_ORIGINS, because a browser attaches the cookie by itself.
"""

from __future__ import annotations

from fastapi import Request, Response

from elenchos.application.sessions import SessionTokens
from elenchos.config import Settings
from elenchos.domain.errors import OriginNotAllowed
from elenchos.http.schemas import TokenResponse

REFRESH_COOKIE = "elenchos_refresh_token"
REFRESH_COOKIE_PATH = "/v1/auth"


def token_response(tokens: SessionTokens, settings: Settings, response: Response) -> TokenResponse:
    """Shape sign-in and refresh results, moving the refresh token into a cookie in cookie mode."""
    body = TokenResponse(
        access_token=tokens.access_token.token,
        expires_in=tokens.access_token.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
    )
    if settings.refresh_cookie:
        response.set_cookie(
            REFRESH_COOKIE,
            tokens.refresh_token,
            max_age=tokens.refresh_expires_in,
            path=REFRESH_COOKIE_PATH,
            secure=True,
            httponly=True,
            samesite="strict",
        )
    else:
        body.refresh_token = tokens.refresh_token
    return body


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )


def refresh_token_from_cookie(request: Request, settings: Settings) -> str | None:
    """Return the cookie's refresh token, if any; raises OriginNotAllowed when one is sent."""
    token = request.cookies.get(REFRESH_COOKIE)
    if token is not None:
        check_origin(request, settings)
    return token


def check_origin(request: Request, settings: Settings) -> None:
    """Raise OriginNotAllowed unless the Origin header names one of ELENCHOS_CORS_ORIGINS."""
    origin = request.headers.get("origin")
    if origin is None:
        raise OriginNotAllowed("A request that uses the refresh cookie needs an Origin header.")
    if origin not in settings.cors_origins:
        raise OriginNotAllowed(
            f"The origin {origin!r} is not in ELENCHOS_CORS_ORIGINS, so the cookie is not accepted."
        )
