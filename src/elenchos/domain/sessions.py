"""Sign-in sessions and the refresh tokens that keep them alive.

A session starts at sign-in and lasts until it is revoked, stays idle past
its sliding expiry, or reaches its absolute maximum age. Each session has
one live refresh token at a time. Refreshing retires that token and issues
a successor, so a retired token presented again is a sign of theft.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from elenchos.domain.tokens import hash_token

# The access token claim that names the token's session.
SESSION_CLAIM = "sid"
# 32 random bytes: 256 bits, 43 characters in URL-safe base64 without padding.
REFRESH_TOKEN_BYTES = 32
_SEAL_LABEL = b"elenchos refresh token successor v1"


class SessionEndReason(enum.StrEnum):
    SIGNED_OUT = "signed_out"
    REVOKED = "revoked"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_DISABLED = "account_disabled"


@dataclass(frozen=True, slots=True)
class SessionLifetime:
    """How long a session lives: idle is the sliding expiry, absolute the hard maximum."""

    idle: timedelta
    absolute: timedelta


@dataclass(slots=True)
class Session:
    id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    absolute_expires_at: datetime
    organisation_id: uuid.UUID | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: SessionEndReason | None = None

    @classmethod
    def start(
        cls,
        user_id: uuid.UUID,
        now: datetime,
        lifetime: SessionLifetime,
        organisation_id: uuid.UUID | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
    ) -> Session:
        absolute_expires_at = now + lifetime.absolute
        return cls(
            id=uuid.uuid4(),
            user_id=user_id,
            created_at=now,
            last_used_at=now,
            expires_at=min(now + lifetime.idle, absolute_expires_at),
            absolute_expires_at=absolute_expires_at,
            organisation_id=organisation_id,
            ip_address=ip_address,
            user_agent=user_agent,
        )

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def touch(self, now: datetime, lifetime: SessionLifetime) -> None:
        """Record a use and slide the idle expiry forward, never past the absolute maximum."""
        self.last_used_at = now
        self.expires_at = min(now + lifetime.idle, self.absolute_expires_at)


@dataclass(slots=True)
class RefreshToken:
    """A stored refresh token: the SHA-256 digest of the raw value, never the value itself.

    Once retired, successor_id names the token issued in its place and
    sealed_successor is that token's raw value, encrypted so that only a
    holder of this token can read it (see seal_successor).
    """

    id: uuid.UUID
    session_id: uuid.UUID
    token_hash: str
    created_at: datetime
    retired_at: datetime | None = None
    successor_id: uuid.UUID | None = None
    sealed_successor: bytes | None = None

    @classmethod
    def issue(cls, session_id: uuid.UUID, now: datetime) -> tuple[RefreshToken, str]:
        """Create a token; return the stored form and the raw token for the client."""
        raw_token = _encode(secrets.token_bytes(REFRESH_TOKEN_BYTES))
        token = cls(
            id=uuid.uuid4(),
            session_id=session_id,
            token_hash=hash_token(raw_token),
            created_at=now,
        )
        return token, raw_token

    def within_grace(self, now: datetime, grace: timedelta) -> bool:
        """Return whether the token was retired no longer than grace ago."""
        return self.retired_at is not None and now - self.retired_at <= grace


def seal_successor(raw_token: str, successor_raw_token: str) -> bytes:
    """Encrypt the successor's raw token with a key only the retired token's holder can derive.

    The key stream is HMAC-SHA256 keyed with the retired token's 256-bit raw
    value, which the database never stores, so a copy of the database cannot
    unseal it. Each token is retired once, so each key stream is used once.
    """
    return _xor(_decode(successor_raw_token), _key_stream(raw_token))


def unseal_successor(raw_token: str, sealed: bytes, successor_hash: str) -> str | None:
    """Return the successor's raw token, or None unless it matches the successor's stored digest."""
    if len(sealed) != REFRESH_TOKEN_BYTES:
        return None
    candidate = _encode(_xor(sealed, _key_stream(raw_token)))
    if not hmac.compare_digest(hash_token(candidate), successor_hash):
        return None
    return candidate


def _xor(data: bytes, key_stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, key_stream, strict=True))


def _key_stream(raw_token: str) -> bytes:
    return hmac.new(raw_token.encode(), _SEAL_LABEL, hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _decode(raw_token: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(raw_token + "=" * (-len(raw_token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a refresh token must be URL-safe base64") from exc
    if len(data) != REFRESH_TOKEN_BYTES:
        raise ValueError(f"a refresh token must encode {REFRESH_TOKEN_BYTES} bytes")
    return data
