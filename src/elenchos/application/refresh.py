"""Refresh-token rotation with reuse detection, after RFC 9700 section 4.14.

Each refresh retires the presented token and issues a successor. A client
that lost the response to a refresh may retry with the retired token within
a short grace period and gets the same successor back. Outside the grace
period a retired token is treated as stolen: the whole session is revoked,
so neither the thief nor the owner can refresh it again.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from elenchos.application.accounts import ClientInfo
from elenchos.application.ports import Clock, TokenIssuer, UnitOfWork, UnitOfWorkFactory
from elenchos.application.session_state import SessionStateCache
from elenchos.application.sessions import (
    DEFAULT_SESSION_LIFETIME,
    SessionTokens,
    forget_sessions,
    scoped_claims,
    session_tokens,
)
from elenchos.domain.audit import SecurityEvent, SecurityEventType
from elenchos.domain.errors import RefreshTokenInvalid, RefreshTokenReused
from elenchos.domain.sessions import (
    RefreshToken,
    Session,
    SessionEndReason,
    SessionLifetime,
    seal_successor,
    unseal_successor,
)
from elenchos.domain.tokens import TOKEN_MAX_LENGTH, hash_token

logger = logging.getLogger(__name__)

DEFAULT_REFRESH_GRACE = timedelta(seconds=10)


class RefreshSession:
    """Rotate a refresh token: return a new access token and the successor refresh token.

    With organisation_id the access token is scoped to that organisation
    (OrganisationNotFound for non-members); without it the session keeps its
    organisation. Raises RefreshTokenInvalid for an unknown token or an
    ended session, and RefreshTokenReused after revoking the session of a
    retired token presented outside the grace period.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: TokenIssuer,
        clock: Clock,
        lifetime: SessionLifetime = DEFAULT_SESSION_LIFETIME,
        grace: timedelta = DEFAULT_REFRESH_GRACE,
        cache: SessionStateCache | None = None,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock
        self._lifetime = lifetime
        self._grace = grace
        self._cache = cache

    async def __call__(
        self,
        raw_token: str,
        organisation_id: uuid.UUID | None = None,
        client: ClientInfo | None = None,
    ) -> SessionTokens:
        if not raw_token or len(raw_token) > TOKEN_MAX_LENGTH:
            raise RefreshTokenInvalid("The refresh token is not valid.")
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.sessions.get_refresh_token_by_hash(hash_token(raw_token))
            if stored is None:
                raise RefreshTokenInvalid("The refresh token is not valid.")
            session = await self._active_session(uow, stored.session_id, now)
            if stored.retired_at is None:
                rotated = await self._rotate(uow, stored, raw_token, session, organisation_id, now)
                if rotated is not None:
                    return rotated
                # Another request retired the token first, so read the successor it stored.
                stored = await uow.sessions.get_refresh_token(stored.id)
                if stored is None:
                    raise RefreshTokenInvalid("The refresh token is not valid.")
            replayed = await self._replay(uow, stored, raw_token, session, organisation_id, now)
            if replayed is not None:
                return replayed
            await self._revoke_for_reuse(uow, session, now, client or ClientInfo())
        forget_sessions(self._cache, [session.id])
        raise RefreshTokenReused(
            "The refresh token was already used, so the session has been ended; sign in again."
        )

    async def _active_session(
        self, uow: UnitOfWork, session_id: uuid.UUID, now: datetime
    ) -> Session:
        session = await uow.sessions.get(session_id)
        if session is None or not session.is_active(now):
            raise RefreshTokenInvalid("The session has ended; sign in again.")
        user = await uow.users.get(session.user_id)
        if user is None or user.is_disabled:
            raise RefreshTokenInvalid("The session has ended; sign in again.")
        return session

    async def _rotate(
        self,
        uow: UnitOfWork,
        stored: RefreshToken,
        raw_token: str,
        session: Session,
        organisation_id: uuid.UUID | None,
        now: datetime,
    ) -> SessionTokens | None:
        """Retire the token and commit its successor; None means another request won the race."""
        claims = await scoped_claims(uow, session, organisation_id)
        successor, successor_raw = RefreshToken.issue(session.id, now)
        sealed = seal_successor(raw_token, successor_raw)
        if not await uow.sessions.retire_refresh_token(stored.id, now, successor.id, sealed):
            return None
        await uow.sessions.add_refresh_token(successor)
        session.touch(now, self._lifetime)
        await uow.sessions.update(session)
        await uow.commit()
        logger.info("session refreshed: user_id=%s session_id=%s", session.user_id, session.id)
        return session_tokens(self._tokens, session, successor_raw, claims, now)

    async def _replay(
        self,
        uow: UnitOfWork,
        stored: RefreshToken,
        raw_token: str,
        session: Session,
        organisation_id: uuid.UUID | None,
        now: datetime,
    ) -> SessionTokens | None:
        """Return the successor again for a retry within the grace period, else None.

        Only a successor that is still live counts: once it was rotated in
        turn, the retired token has no legitimate use left.
        """
        if not stored.within_grace(now, self._grace) or stored.successor_id is None:
            return None
        if stored.sealed_successor is None:
            return None
        successor = await uow.sessions.get_refresh_token(stored.successor_id)
        if successor is None or successor.retired_at is not None:
            return None
        successor_raw = unseal_successor(raw_token, stored.sealed_successor, successor.token_hash)
        if successor_raw is None:
            return None
        claims = await scoped_claims(uow, session, organisation_id)
        logger.info(
            "refresh retried within the grace period: user_id=%s session_id=%s",
            session.user_id,
            session.id,
        )
        return session_tokens(self._tokens, session, successor_raw, claims, now)

    async def _revoke_for_reuse(
        self, uow: UnitOfWork, session: Session, now: datetime, client: ClientInfo
    ) -> None:
        await uow.sessions.revoke(session.id, now, SessionEndReason.REFRESH_TOKEN_REUSED)
        await uow.audit.add(
            SecurityEvent.record(
                SecurityEventType.REFRESH_TOKEN_REUSE_DETECTED,
                now,
                subject_user_id=session.user_id,
                ip_address=client.ip_address,
                user_agent=client.user_agent,
                details={"session_id": str(session.id)},
            )
        )
        await uow.commit()
        logger.warning(
            "refresh token reuse detected, session revoked: user_id=%s session_id=%s",
            session.user_id,
            session.id,
        )
