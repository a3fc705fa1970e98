"""Signing out, and listing and revoking the signed-in user's sessions."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from elenchos.application.accounts import ClientInfo
from elenchos.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from elenchos.application.session_state import SessionStateCache
from elenchos.application.sessions import end_sessions, forget_sessions
from elenchos.domain.audit import SecurityEvent, SecurityEventType
from elenchos.domain.errors import RefreshTokenInvalid, SessionNotFound
from elenchos.domain.sessions import Session, SessionEndReason
from elenchos.domain.tokens import TOKEN_MAX_LENGTH, hash_token

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionView:
    session: Session
    current: bool


class _SessionUseCase:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, cache: SessionStateCache | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache


class SignOut(_SessionUseCase):
    """End one session, named by its id or by one of its refresh tokens.

    Ending a session that has already ended succeeds. Raises
    RefreshTokenInvalid for an unknown refresh token.
    """

    async def __call__(
        self,
        user_id: uuid.UUID | None = None,
        session_id: uuid.UUID | None = None,
        refresh_token: str | None = None,
        client: ClientInfo | None = None,
    ) -> None:
        client = client or ClientInfo()
        async with self._uow() as uow:
            session = await self._find(uow, user_id, session_id, refresh_token)
            now = self._clock.now()
            if not await uow.sessions.revoke(session.id, now, SessionEndReason.SIGNED_OUT):
                return
            await uow.audit.add(
                SecurityEvent.record(
                    SecurityEventType.SIGNED_OUT,
                    now,
                    actor_user_id=session.user_id,
                    subject_user_id=session.user_id,
                    ip_address=client.ip_address,
                    user_agent=client.user_agent,
                    details={"session_id": str(session.id)},
                )
            )
            await uow.commit()
        forget_sessions(self._cache, [session.id])
        logger.info("signed out: user_id=%s session_id=%s", session.user_id, session.id)

    async def _find(
        self,
        uow: UnitOfWork,
        user_id: uuid.UUID | None,
        session_id: uuid.UUID | None,
        refresh_token: str | None,
    ) -> Session:
        session = None
        if refresh_token is not None:
            # A retired token names its session too: signing out with it only
            # ends a session its holder once had access to.
            stored = None
            if refresh_token and len(refresh_token) <= TOKEN_MAX_LENGTH:
                stored = await uow.sessions.get_refresh_token_by_hash(hash_token(refresh_token))
            if stored is None:
                raise RefreshTokenInvalid("The refresh token is not valid.")
            session = await uow.sessions.get(stored.session_id)
        elif session_id is not None:
            session = await uow.sessions.get(session_id)
            if session is not None and session.user_id != user_id:
                session = None
        if session is None:
            raise RefreshTokenInvalid("The session of this token was not found.")
        return session


class ListMySessions(_SessionUseCase):
    """Return the user's active sessions, newest first, marking the one of the request."""

    async def __call__(
        self, user_id: uuid.UUID, current_session_id: uuid.UUID | None
    ) -> list[SessionView]:
        async with self._uow() as uow:
            sessions = await uow.sessions.list_active(user_id, self._clock.now())
        return [SessionView(session, session.id == current_session_id) for session in sessions]


class RevokeSession(_SessionUseCase):
    """End one of the user's sessions; raises SessionNotFound for any other id.

    Another user's session id raises the same error as an unknown one, so
    ids reveal nothing.
    """

    async def __call__(
        self, user_id: uuid.UUID, session_id: uuid.UUID, client: ClientInfo | None = None
    ) -> None:
        client = client or ClientInfo()
        now = self._clock.now()
        async with self._uow() as uow:
            session = await uow.sessions.get(session_id)
            if session is None or session.user_id != user_id or not session.is_active(now):
                raise SessionNotFound("No active session of yours has this id.")
            await uow.sessions.revoke(session.id, now, SessionEndReason.REVOKED)
            await uow.audit.add(_revoked_event(user_id, now, client, [session.id]))
            await uow.commit()
        forget_sessions(self._cache, [session.id])
        logger.info("session revoked by its user: user_id=%s session_id=%s", user_id, session_id)


class RevokeOtherSessions(_SessionUseCase):
    """End every session of the user except the current one; return how many ended."""

    async def __call__(
        self,
        user_id: uuid.UUID,
        current_session_id: uuid.UUID,
        client: ClientInfo | None = None,
    ) -> int:
        client = client or ClientInfo()
        now = self._clock.now()
        async with self._uow() as uow:
            revoked = await end_sessions(
                uow, user_id, now, SessionEndReason.REVOKED, keep=current_session_id
            )
            if revoked:
                await uow.audit.add(_revoked_event(user_id, now, client, revoked))
            await uow.commit()
        forget_sessions(self._cache, revoked)
        logger.info("other sessions revoked: user_id=%s count=%d", user_id, len(revoked))
        return len(revoked)


def _revoked_event(
    user_id: uuid.UUID, now: datetime, client: ClientInfo, session_ids: list[uuid.UUID]
) -> SecurityEvent:
    return SecurityEvent.record(
        SecurityEventType.SESSION_REVOKED,
        now,
        actor_user_id=user_id,
        subject_user_id=user_id,
        ip_address=client.ip_address,
        user_agent=client.user_agent,
        details={"session_ids": [str(session_id) for session_id in session_ids]},
    )
