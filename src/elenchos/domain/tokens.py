"""One-time link tokens for email verification and password reset.

The raw token goes out in a mail link and is never stored. The database
keeps only its SHA-256 digest, so a leaked table cannot be replayed.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from elenchos.domain.errors import LinkTokenExpired, LinkTokenInvalid, LinkTokenUsed

# 32 random bytes: 256 bits, 43 characters in URL-safe base64.
TOKEN_BYTES = 32
# Longer input cannot be a token of ours, and the bound keeps hashing cheap.
TOKEN_MAX_LENGTH = 128


class TokenPurpose(enum.StrEnum):
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"


def hash_token(raw_token: str) -> str:
    """Return the hex SHA-256 digest under which a raw token is stored."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


@dataclass(slots=True)
class UserToken:
    """A stored one-time token: its digest, its purpose and when it expires or was used."""

    id: uuid.UUID
    user_id: uuid.UUID
    purpose: TokenPurpose
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime, ttl: timedelta
    ) -> tuple[UserToken, str]:
        """Create a token; return the stored form and the raw token for the link."""
        raw_token = secrets.token_urlsafe(TOKEN_BYTES)
        token = cls(
            id=uuid.uuid4(),
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_token(raw_token),
            created_at=now,
            expires_at=now + ttl,
        )
        return token, raw_token

    def check_usable(self, purpose: TokenPurpose, now: datetime) -> None:
        """Raise LinkTokenInvalid, LinkTokenUsed or LinkTokenExpired unless the token is usable."""
        if self.purpose is not purpose:
            raise LinkTokenInvalid("The link is not valid.")
        if self.used_at is not None:
            raise LinkTokenUsed("The link has already been used.")
        if now >= self.expires_at:
            raise LinkTokenExpired("The link has expired. Request a new one.")
