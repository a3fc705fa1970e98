"""Session helpers shared by sign-in, refresh and the flows that end sessions."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from elenchos.application.organisation_tokens import (
    ORGANISATION_CLAIM,
    ROLE_CLAIM,
    organisation_claims,
)
from elenchos.application.ports import IssuedToken, TokenIssuer, UnitOfWork
from elenchos.application.session_state import SessionStateCache
from elenchos.domain.sessions import (
    SESSION_CLAIM,
    RefreshToken,
    Session,
    SessionEndReason,
    SessionLifetime,
)

logger = logging.getLogger(__name__)

DEFAULT_SESSION_LIFETIME = SessionLifetime(idle=timedelta(days=30), absolute=timedelta(days=90))


@dataclass(frozen=True, slots=True)
class SessionTokens:
    """Tokens returned by sign-in and refresh; refresh_token is the raw value, shown only once."""

    session_id: uuid.UUID
    access_token: IssuedToken
    refresh_token: str
    # Seconds until the session ends unless refreshed first: the sliding
    # expiry, capped by the absolute maximum.
    refresh_expires_in: int


async def open_session(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    now: datetime,
    lifetime: SessionLifetime,
    organisation_id: uuid.UUID | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> tuple[Session, str]:
    """Stage a new session with its first refresh token; return both, the token as its raw value."""
    session = Session.start(
        user_id, now, lifetime, organisation_id, ip_address=ip_address, user_agent=user_agent
    )
    token, raw_token = RefreshToken.issue(session.id, now)
    await uow.sessions.add(session)
    await uow.sessions.add_refresh_token(token)
    return session, raw_token


def session_tokens(
    tokens: TokenIssuer,
    session: Session,
    raw_refresh_token: str,
    claims: dict[str, Any] | None,
    now: datetime,
) -> SessionTokens:
    """Issue an access token bound to the session and pair it with the refresh token."""
    access_token = tokens.issue_access_token(
        session.user_id, {**(claims or {}), SESSION_CLAIM: str(session.id)}
    )
    return SessionTokens(
        session_id=session.id,
        access_token=access_token,
        refresh_token=raw_refresh_token,
        refresh_expires_in=max(int((session.expires_at - now).total_seconds()), 0),
    )


async def scoped_claims(
    uow: UnitOfWork, session: Session, organisation_id: uuid.UUID | None
) -> dict[str, str]:
    """Return the org claims for a refreshed token and record the session's organisation.

    With organisation_id the user must be a member (OrganisationNotFound
    otherwise). Without it the session keeps its organisation while the
    membership lasts and drops it once the user has left.
    """
    if organisation_id is not None:
        claims = await organisation_claims(uow, session.user_id, organisation_id)
        session.organisation_id = organisation_id
        return claims
    if session.organisation_id is None:
        return {}
    membership = await uow.memberships.get(session.organisation_id, session.user_id)
    if membership is None:
        session.organisation_id = None
        return {}
    return {ORGANISATION_CLAIM: str(membership.organisation_id), ROLE_CLAIM: membership.role.value}


async def end_sessions(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    now: datetime,
    reason: SessionEndReason,
    keep: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Stage the revocation of the user's sessions except keep and return the revoked ids.

    Pass the ids to SessionStateCache.mark_ended after the commit.
    """
    return await uow.sessions.revoke_all(user_id, now, reason, keep=keep)


def forget_sessions(cache: SessionStateCache | None, session_ids: list[uuid.UUID]) -> None:
    """Make this process reject the sessions' access tokens at once."""
    if cache is not None:
        cache.mark_ended(session_ids)
